import Crypto
import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

struct AccountServiceTests {
    func migratedConnection() throws -> PostgresConnection {
        let connection = try PostgresConnection(url: try TestDatabase.create())
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        return connection
    }

    @Test func addsAUserWithAGeneratedPasswordThatVerifies() throws {
        let connection = try migratedConnection()
        let created = try AccountService(connection: connection).addUser(email: "Ada@Example.org", role: .admin, password: nil, actor: "test")
        let password = try #require(created.generatedPassword)
        #expect(password.count >= 20)
        let hash = try #require(try UserRepository(connection: connection).passwordHash(userID: created.user.id))
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(PasswordHasher.verify(password, against: hash))
        #expect(!PasswordHasher.verify("wrong", against: hash))
        let audit = try connection.query("SELECT action, details::text AS details FROM audit_log")
        #expect(try audit.map { try $0.decode("action", as: String.self) } == ["user.create"])
        #expect(try !audit[0].decode("details", as: String.self).contains(password))
    }

    @Test func refusesADuplicateEmailInAnyCase() throws {
        let connection = try migratedConnection()
        let service = AccountService(connection: connection)
        _ = try service.addUser(email: "ops@example.org", role: .viewer, password: "a fine passphrase", actor: "test")
        #expect(throws: UserExists.self) {
            try service.addUser(email: "OPS@example.org", role: .admin, password: "another passphrase", actor: "test")
        }
        #expect(try connection.query("SELECT count(*) AS n FROM users")[0].decode("n", as: Int.self) == 1)
    }

    @Test func refusesAWeakChosenPasswordAndStoresNothing() throws {
        let connection = try migratedConnection()
        #expect(throws: ValidationError.self) {
            try AccountService(connection: connection).addUser(email: "a@example.org", role: .viewer, password: "short", actor: "test")
        }
        #expect(try connection.query("SELECT count(*) AS n FROM users")[0].decode("n", as: Int.self) == 0)
    }

    @Test func storesOnlyTheHashOfAToken() throws {
        let connection = try migratedConnection()
        let service = AccountService(connection: connection)
        let user = try service.addUser(email: "api@example.org", role: .creator, password: nil, actor: "test").user
        let token = try service.createToken(email: "api@example.org", name: "ci", actor: "test")
        #expect(token.token.hasPrefix("hrld_"))
        let stored = try connection.query("SELECT token_hash, token_prefix FROM api_tokens")
        #expect(stored.count == 1)
        #expect(try stored[0].decode("token_hash", as: [UInt8].self) == Digest.sha256(Array(token.token.utf8)))
        let dump = try connection.query("SELECT row_to_json(t)::text AS j FROM api_tokens t")[0].decode("j", as: String.self)
        #expect(!dump.contains(token.token))
        #expect(try SessionService(connection: connection).principal(bearerToken: token.token)?.userID == user.id)
        #expect(try SessionService(connection: connection).principal(bearerToken: "hrld_guess") == nil)
    }

    @Test func aTokenForAnUnknownUserIsRefused() throws {
        let connection = try migratedConnection()
        #expect(throws: UserNotFound.self) {
            try AccountService(connection: connection).createToken(email: "nobody@example.org", name: "x", actor: "test")
        }
    }
}
