import Crypto
import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// The admin's SMTP server: admins only, checked field by field (no line break in any header value), the password
/// sealed and write-only (a blank one keeps it, "remove" clears it, the audit log never has it), re-sealed by
/// `SecretRotation`.
struct SystemEmailServiceTests {
    struct Fixture {
        let connection: PostgresConnection
        let admin: Actor, alice: Actor

        init() throws {
            connection = try PostgresConnection(url: try TestDatabase.create())
            try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            let accounts = AccountService(connection: connection)
            func actor(_ email: String, _ role: UserRole) throws -> Actor {
                let user = try accounts.addUser(email: email, role: role, password: "correct horse battery staple", actor: "test").user
                return .user(Principal(userID: user.id, email: email, displayName: "", role: role, timeZone: "UTC"))
            }
            admin = try actor("admin@example.org", .admin)
            alice = try actor("alice@example.org", .creator)
        }

        /// Everything stored about the server and the audit trail, as text: the password must appear nowhere in it.
        func storedText() throws -> String {
            try connection.query("""
                SELECT coalesce((SELECT string_agg(s::text, ' ') FROM system_email s), '') || ' ' ||
                       coalesce((SELECT string_agg(a::text, ' ') FROM audit_log a), '') AS t
                """)[0].decode("t")
        }
    }

    static let canary = "canary-Smtp-7d2c91"

    static func input(password: String? = nil) -> SystemEmailService.Input {
        SystemEmailService.Input(host: "smtp.example.org", port: "587", security: "starttls", username: "herald",
                                 fromAddress: "herald@example.org", fromName: "Herald reports", password: password)
    }

    @Test func thePasswordIsSealedWriteOnlyAndKeptWhenBlank() throws {
        let f = try Fixture()
        let keyring = try SecretKeyring(current: SecretBox.generateKey())
        let service = SystemEmailService(connection: f.connection, keyring: keyring)
        #expect(try service.get(actor: f.admin) == nil)
        #expect(try service.load() == nil)

        let saved = try service.save(Self.input(password: Self.canary), actor: f.admin)
        #expect(saved.passwordSet)
        #expect(saved.server == SMTPServer(host: "smtp.example.org", port: 587, security: .starttls, username: "herald",
                                           fromAddress: "herald@example.org", fromName: "Herald reports"))
        #expect(try service.get(actor: f.admin)?.passwordSet == true)
        #expect(try service.load()?.password == Self.canary)
        #expect(!(try f.storedText()).contains(Self.canary))
        let keyID: String = try f.connection.query("SELECT password_key_id FROM system_email")[0].decode("password_key_id")
        #expect(keyID == keyring.currentID)

        // A blank password keeps the stored one while the rest changes; the audit row names the change, not the password.
        var changed = Self.input(password: "")
        changed.host = "smtp2.example.org"
        changed.port = ""
        #expect(try service.save(changed, actor: f.admin).passwordSet)
        #expect(try service.load()?.password == Self.canary)
        #expect(try service.load()?.server.host == "smtp2.example.org")
        #expect(try service.load()?.server.port == nil)
        let audit: String = try f.connection.query("SELECT details::text AS d FROM audit_log WHERE action = 'system_email.update' ORDER BY id DESC LIMIT 1")[0].decode("d")
        #expect(audit.contains("smtp2.example.org") && audit.contains("password_set=true"))
        #expect(!(try f.storedText()).contains(Self.canary))

        // "Remove the stored password" clears it; there is still one row.
        var removing = Self.input()
        removing.removePassword = true
        #expect(try service.save(removing, actor: f.admin).passwordSet == false)
        #expect(try service.load()?.password == nil)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM system_email")[0].decode("n", as: Int.self) == 1)

        // Creators neither see nor change it.
        #expect(throws: Forbidden.self) { try service.get(actor: f.alice) }
        #expect(throws: Forbidden.self) { try service.save(Self.input(password: "x"), actor: f.alice) }
    }

    @Test func everyFieldIsCheckedAndALineBreakInAnyHeaderValueIsRefused() throws {
        let f = try Fixture()
        let service = SystemEmailService(connection: f.connection, keyring: try SecretKeyring(current: SecretBox.generateKey()))
        let bad = SystemEmailService.Input(host: "smtp.example.org\r\nRCPT TO:<x@y>", port: "ninety", security: "ssl",
                                           username: "herald\u{2028}x", fromAddress: "not an address",
                                           fromName: "Herald\r\nBcc: victim@example.org", password: "pw\nQUIT")
        do {
            try service.save(bad, actor: f.admin)
            Issue.record("a bad server was saved")
        } catch let error as ValidationErrors {
            let fields = Set(error.errors.map(\.field))
            #expect(fields == ["host", "port", "security", "username", "from_address", "from_name", "password"], "\(error.errors)")
        }
        do {
            try service.save(SystemEmailService.Input(host: "", port: "70000", security: "tls", fromAddress: ""), actor: f.admin)
            Issue.record("an empty server was saved")
        } catch let error as ValidationErrors {
            #expect(Set(error.errors.map(\.field)) == ["host", "port", "from_address"], "\(error.errors)")
            #expect(error.errors.first { $0.field == "host" }?.message == "enter the SMTP server's host name")
        }
        #expect(try service.get(actor: f.admin) == nil)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'system_email.update'")[0].decode("n", as: Int.self) == 0)
    }

    @Test func rotationReSealsThePasswordUnderTheNewKey() throws {
        let f = try Fixture()
        let old = SecretBox.generateKey(), new = SecretBox.generateKey()
        try SystemEmailService(connection: f.connection, keyring: try SecretKeyring(current: old)).save(Self.input(password: Self.canary), actor: f.admin)
        let during = try SecretKeyring(current: new, previous: old)
        let rotation = SecretRotation(connection: f.connection, keyring: during)
        #expect(try rotation.pending() == 1)
        let outcome = try rotation.rotate()
        #expect(outcome == SecretRotation.Outcome(destinations: 0, dataSources: 0, systemEmail: 1))
        #expect(try rotation.pending() == 0)
        // Only the new key is needed now.
        #expect(try SystemEmailService(connection: f.connection, keyring: try SecretKeyring(current: new)).load()?.password == Self.canary)
        #expect(!(try f.storedText()).contains(Self.canary))
    }
}
