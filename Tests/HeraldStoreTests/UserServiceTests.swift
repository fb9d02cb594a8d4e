import Crypto
import Foundation
import HeraldCore
import HeraldQueue
import Postgres
import Redis
import Testing
import TestSupport
@testable import HeraldStore

/// `UserService` against a real database: admin-only management, self-service, and what ends sessions and tokens.
struct UserServiceTests {
    struct Fixture {
        let connection: PostgresConnection
        let service: UserService
        let admin: Actor
        let creator: Actor
        let creatorUser: User

        init() throws {
            connection = try PostgresConnection(url: try TestDatabase.create())
            try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            service = UserService(connection: connection)
            let accounts = AccountService(connection: connection)
            let adminUser = try accounts.addUser(email: "root@example.org", role: .admin, password: "an admin passphrase", actor: "test").user
            creatorUser = try accounts.addUser(email: "cara@example.org", role: .creator, password: "a creator passphrase", actor: "test").user
            admin = .user(try #require(try UserRepository(connection: connection).principal(userID: adminUser.id)))
            creator = .user(try #require(try UserRepository(connection: connection).principal(userID: creatorUser.id)))
        }

        func session(_ user: User, password: String) throws -> SessionService.Session {
            try #require(try SessionService(connection: connection).signIn(email: user.email, password: password, limiter: NoLimiter())).session
        }

        func count(_ sql: String) throws -> Int { try connection.query(PostgresQuery(unsafeSQL: sql))[0].decode("n") }
    }

    struct NoLimiter: SignInLimiter {
        func wait(for account: String) throws -> Int { 0 }
        func recordFailure(for account: String) throws {}
        func reset(for account: String) throws {}
    }

    @Test func onlyAdminsManageUsersAndANonAdminChangesNothing() throws {
        let f = try Fixture()
        #expect(throws: Forbidden.self) { try f.service.list(actor: f.creator) }
        #expect(throws: Forbidden.self) { try f.service.create(actor: f.creator, .init(email: "x@example.org", role: .admin)) }
        #expect(throws: Forbidden.self) { try f.service.changeRole(actor: f.creator, id: f.creatorUser.id, to: .admin) }
        #expect(throws: Forbidden.self) { try f.service.setDisabled(actor: f.creator, id: f.admin.userID!, true) }
        #expect(throws: Forbidden.self) { _ = try f.service.resetPassword(actor: f.creator, id: f.admin.userID!, to: nil) }
        #expect(try f.count("SELECT count(*)::int AS n FROM users") == 2)
        #expect(try f.count("SELECT count(*)::int AS n FROM users WHERE role = 'creator'") == 1)
        #expect(try f.count("SELECT count(*)::int AS n FROM users WHERE disabled_at IS NOT NULL") == 0)
        // Someone else's account is not even visible.
        #expect(throws: NotFound.self) { try f.service.get(actor: f.creator, id: f.admin.userID!) }
        #expect(try f.service.get(actor: f.creator, id: f.creatorUser.id).email == "cara@example.org")
    }

    @Test func anAdminCreatesListsAndChangesUsersAndEveryChangeIsAudited() throws {
        let f = try Fixture()
        let created = try f.service.create(actor: f.admin, .init(email: "Vic@Example.org", displayName: "Vic", role: .viewer,
                                                                 timeZone: "Europe/Berlin"))
        let password = try #require(created.generatedPassword)
        #expect(created.user.timeZone == "Europe/Berlin")
        #expect(created.user.displayName == "Vic")
        #expect(throws: ValidationError.self) { try f.service.create(actor: f.admin, .init(email: "vic@example.org", role: .viewer)) }
        #expect(throws: ValidationErrors.self) {
            try f.service.create(actor: f.admin, .init(email: "bad", role: .viewer, timeZone: "Mars/Olympus", password: "short"))
        }
        try f.service.changeRole(actor: f.admin, id: created.user.id, to: .creator)
        let first = try f.service.list(actor: f.admin, limit: 2)
        #expect(first.users.map(\.email) == ["cara@example.org", "root@example.org"])
        let second = try f.service.list(actor: f.admin, after: try #require(first.next), limit: 2)
        #expect(second.users.map(\.email) == ["Vic@example.org"])
        #expect(second.users[0].role == .creator)
        #expect(second.next == nil)
        let actions = try f.connection.query("SELECT action, actor_label, details::text AS d FROM audit_log WHERE actor_label = 'root@example.org' ORDER BY id")
        #expect(try actions.map { try $0.decode("action", as: String.self) } == ["user.create", "user.role"])
        for row in actions { #expect(try !row.decode("d", as: String.self).contains(password)) }
        #expect(try actions[1].decode("d", as: String.self).contains(#""after": "creator""#))
    }

    @Test func theLastAdminIsNeitherDemotedNorDisabled() throws {
        let f = try Fixture()
        #expect(throws: Conflict.self) { try f.service.changeRole(actor: f.admin, id: f.admin.userID!, to: .viewer) }
        #expect(throws: Conflict.self) { try f.service.setDisabled(actor: f.admin, id: f.admin.userID!, true) }
        try f.service.changeRole(actor: f.admin, id: f.creatorUser.id, to: .admin)
        // With a second admin, still no disabling oneself and no password reset without the current one.
        #expect(throws: Conflict.self) { try f.service.setDisabled(actor: f.admin, id: f.admin.userID!, true) }
        #expect(throws: Conflict.self) { _ = try f.service.resetPassword(actor: f.admin, id: f.admin.userID!, to: "a new passphrase") }
        try f.service.setDisabled(actor: f.admin, id: f.creatorUser.id, true)
        #expect(throws: Conflict.self) { try f.service.changeRole(actor: f.admin, id: f.admin.userID!, to: .viewer) }
    }

    @Test func disablingEndsEverySessionAndRevokesEveryToken() throws {
        let f = try Fixture()
        let session = try f.session(f.creatorUser, password: "a creator passphrase")
        let token = try f.service.createToken(actor: f.creator, name: "ci", expiresAt: nil).token
        let sessions = SessionService(connection: f.connection)
        #expect(try sessions.principal(bearerToken: token) != nil)
        try f.service.setDisabled(actor: f.admin, id: f.creatorUser.id, true)
        #expect(try f.count("SELECT count(*)::int AS n FROM sessions WHERE id = '\(session.id)'") == 0)
        #expect(try f.count("SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL") == 0)
        #expect(try sessions.principal(bearerToken: token) == nil)
        try f.service.setDisabled(actor: f.admin, id: f.creatorUser.id, false)
        // Enabling does not bring the revoked token back.
        #expect(try sessions.principal(bearerToken: token) == nil)
        let actions = try f.connection.query("SELECT action FROM audit_log WHERE subject_id = \(f.creatorUser.id.uuidString) ORDER BY id")
        #expect(try actions.map { try $0.decode("action", as: String.self) }.suffix(2) == ["user.disable", "user.enable"])
    }

    @Test func anAdminsPasswordResetEndsTheUsersSessionsAndTokens() throws {
        let f = try Fixture()
        _ = try f.session(f.creatorUser, password: "a creator passphrase")
        _ = try f.service.createToken(actor: f.creator, name: "ci", expiresAt: nil)
        let generated = try #require(try f.service.resetPassword(actor: f.admin, id: f.creatorUser.id, to: nil))
        #expect(try f.count("SELECT count(*)::int AS n FROM sessions WHERE user_id = '\(f.creatorUser.id)'") == 0)
        #expect(try f.count("SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL") == 0)
        #expect(throws: Never.self) { _ = try f.session(f.creatorUser, password: generated) }
        #expect(try f.count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.password' AND details::text LIKE '%\(generated)%'") == 0)
    }

    @Test func changingOnesOwnPasswordNeedsTheCurrentOneAndKeepsOnlyTheCurrentSession() throws {
        let f = try Fixture()
        let here = try f.session(f.creatorUser, password: "a creator passphrase")
        let elsewhere = try f.session(f.creatorUser, password: "a creator passphrase")
        _ = try f.service.createToken(actor: f.creator, name: "ci", expiresAt: nil)
        #expect(throws: ValidationErrors.self) {
            try f.service.changeOwnPassword(actor: f.creator, current: "wrong", new: "a new passphrase", keepingSession: here.id,
                                            limiter: NoLimiter())
        }
        #expect(try f.count("SELECT count(*)::int AS n FROM sessions") == 2)
        try f.service.changeOwnPassword(actor: f.creator, current: "a creator passphrase", new: "a new passphrase", keepingSession: here.id,
                                        limiter: NoLimiter())
        let left = try f.connection.query("SELECT id FROM sessions").map { try $0.decode("id", as: UUID.self) }
        #expect(left == [here.id])
        #expect(!left.contains(elsewhere.id))
        #expect(try f.count("SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL") == 0)
        #expect(throws: Never.self) { _ = try f.session(f.creatorUser, password: "a new passphrase") }
    }

    @Test func wrongCurrentPasswordsCountAsFailedSignInsOfTheAccount() throws {
        let f = try Fixture()
        let throttle = SignInThrottle(redis: try RedisConnection(url: try TestEnvironment.isolatedRedisURL()))
        let sessions = SessionService(connection: f.connection)
        func change(current: String) throws {
            try f.service.changeOwnPassword(actor: f.creator, current: current, new: "a new passphrase", keepingSession: nil, limiter: throttle)
        }
        // The free failures are shared: three at the sign-in form (the e-mail typed in another case), three here.
        for _ in 0..<3 { #expect(try sessions.authenticate(email: " Cara@Example.org", password: "guess", limiter: throttle) == nil) }
        for _ in 0..<3 { #expect(throws: ValidationErrors.self) { try change(current: "guess") } }
        // Now even the right current password waits, and so does signing in.
        let throttled = #expect(throws: Throttled.self) { try change(current: "a creator passphrase") }
        #expect((throttled?.retryAfterSeconds ?? 0) >= 1)
        #expect(throws: Throttled.self) { _ = try sessions.authenticate(email: "cara@example.org", password: "a creator passphrase", limiter: throttle) }
        #expect(try f.count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.password'") == 0)

        // A right current password, once the account may try again, clears the count like a sign-in does.
        try throttle.reset(for: "cara@example.org")
        for _ in 0..<5 { #expect(throws: ValidationErrors.self) { try change(current: "guess") } }
        try change(current: "a creator passphrase")
        #expect(try throttle.wait(for: "cara@example.org") == 0)
        #expect(try sessions.authenticate(email: "cara@example.org", password: "guess", limiter: throttle) == nil)
        #expect(try throttle.wait(for: "cara@example.org") == 0)
        #expect(try sessions.authenticate(email: "cara@example.org", password: "a new passphrase", limiter: throttle) != nil)
    }

    @Test func ownTimeZoneIsValidated() throws {
        let f = try Fixture()
        #expect(throws: ValidationError.self) { try f.service.setOwnTimeZone(actor: f.creator, "Europe/Atlantis") }
        try f.service.setOwnTimeZone(actor: f.creator, "America/New_York")
        #expect(try f.service.get(actor: f.creator, id: f.creatorUser.id).timeZone == "America/New_York")
        #expect(try f.count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.time_zone'") == 1)
    }

    @Test func ownTokensAreListedWithoutSecretsAndRevokedOnlyByTheirOwner() throws {
        let f = try Fixture()
        let made = try f.service.createToken(actor: f.creator, name: "nightly", expiresAt: Date().addingTimeInterval(3600))
        let tokens = try f.service.tokens(actor: f.creator)
        #expect(tokens.map(\.name) == ["nightly"])
        #expect(made.token.hasPrefix(tokens[0].prefix))
        #expect(tokens[0].expiresAt != nil)
        #expect(try f.service.tokens(actor: f.admin).isEmpty)
        #expect(throws: NotFound.self) { try f.service.revokeToken(actor: f.admin, id: made.id) }
        #expect(throws: ValidationError.self) { try f.service.createToken(actor: f.creator, name: " ", expiresAt: nil) }
        #expect(throws: ValidationError.self) { try f.service.createToken(actor: f.creator, name: "x", expiresAt: Date(timeIntervalSince1970: 0)) }
        try f.service.revokeToken(actor: f.creator, id: made.id)
        #expect(try f.service.tokens(actor: f.creator).isEmpty)
        #expect(throws: NotFound.self) { try f.service.revokeToken(actor: f.creator, id: made.id) }
        let audit = try f.connection.query("SELECT action, details::text AS d FROM audit_log WHERE subject_type = 'api_token' ORDER BY id")
        #expect(try audit.map { try $0.decode("action", as: String.self) } == ["token.create", "token.revoke"])
        for row in audit { #expect(try !row.decode("d", as: String.self).contains(made.token)) }
    }

    @Test func theAuditTrailIsForAdminsNewestFirstFilteredAndPaged() throws {
        let f = try Fixture()
        for zone in ["Europe/Paris", "Asia/Tokyo", "UTC"] { try f.service.setOwnTimeZone(actor: f.creator, zone) }
        let trail = AuditTrail(connection: f.connection)
        #expect(throws: Forbidden.self) { try trail.list(actor: f.creator, filter: .init()) }
        let first = try trail.list(actor: f.admin, filter: .init(action: "user."), limit: 2)
        #expect(first.entries.count == 2)
        #expect(first.entries[0].details.first { $0.key == "after" }?.value == "UTC")
        let rest = try trail.list(actor: f.admin, filter: .init(action: "user."), after: try #require(first.next), limit: 50)
        #expect(rest.entries.map(\.action) == ["user.time_zone", "user.create", "user.create"])
        #expect(try trail.list(actor: f.admin, filter: .init(actor: "cara@example.org")).entries.count == 3)
        #expect(try trail.list(actor: f.admin, filter: .init(subjectType: "api_token")).entries.isEmpty)
        #expect(try trail.list(actor: f.admin, filter: .init(to: Date(timeIntervalSince1970: 0))).entries.isEmpty)
        #expect(try trail.list(actor: f.admin, filter: .init(action: "user_")).entries.isEmpty)
    }
}
