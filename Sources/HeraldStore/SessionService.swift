import Crypto
import Foundation
import HeraldCore
import Postgres

/// Sign-in, server-side sessions and bearer tokens. A session lives in `sessions` under the SHA-256 of its cookie
/// value (the value itself is never stored): it ends after `idleSeconds` without a request, `absoluteSeconds` after
/// sign-in, at sign-out, and when its user is disabled or changes password.
public struct SessionService {
    public struct Settings: Sendable {
        public var idleSeconds: Int
        public var absoluteSeconds: Int
        public init(idleSeconds: Int = 30 * 60, absoluteSeconds: Int = 12 * 3600) {
            self.idleSeconds = idleSeconds
            self.absoluteSeconds = absoluteSeconds
        }
    }

    /// A live session: the principal, and the CSRF token its forms carry.
    public struct Session: Sendable, Equatable {
        public let id: UUID
        public let principal: Principal
        public let csrfToken: String
        /// The user's unread notifications when the session was looked up, at most `NotificationService.unreadCountCap`
        /// (nil for a session just made): every page's bell shows it, and it costs the lookup no round trip of its own.
        public var unreadNotifications: Int? = nil
    }

    let connection: PostgresConnection
    let settings: Settings

    public init(connection: PostgresConnection, settings: Settings = Settings()) {
        self.connection = connection
        self.settings = settings
    }

    /// A hash of a random password: an unknown e-mail is checked against it, so it costs what a known one does.
    private static let decoyHash = (try? PasswordHasher.hash(SecureRandom.token(byteCount: 18))) ?? ""

    /// Checks an e-mail and password, slowed per account by the limiter (the sign-in form and the API's token
    /// exchange both come here). Unknown e-mail, wrong password and disabled account all return nil after the same
    /// work; an account that must still wait is `Throttled`.
    public func authenticate(email rawEmail: String, password: String, limiter: any SignInLimiter) throws -> Principal? {
        let account = Self.limiterAccount(rawEmail)
        let wait = try limiter.wait(for: account)
        if wait > 0 { throw Throttled(retryAfterSeconds: wait) }
        let row = try connection.query("""
            SELECT id AS user_id, email, display_name, role, time_zone, password_hash FROM users
            WHERE lower(email) = \(account) AND disabled_at IS NULL
            """).first
        let hash = try row?.decode("password_hash", as: String.self) ?? Self.decoyHash
        let matches = PasswordHasher.verify(password, against: hash)
        guard matches, let row else {
            try limiter.recordFailure(for: account)
            return nil
        }
        try limiter.reset(for: account)
        return try UserRepository.principal(from: row)
    }

    /// Checks the password and opens a new session (a new id every time: no fixation); nil when `authenticate` is.
    public func signIn(email rawEmail: String, password: String, limiter: any SignInLimiter, userAgent: String = "",
                       remoteAddress: String = "") throws -> (session: Session, cookieValue: String)? {
        guard let principal = try authenticate(email: rawEmail, password: password, limiter: limiter) else { return nil }
        let userID = principal.userID
        let cookieValue = SecureRandom.token(byteCount: 32)
        let csrf = SecureRandom.token(byteCount: 32)
        let id: UUID = try connection.query("""
            INSERT INTO sessions (user_id, token_hash, csrf_token, expires_at, user_agent, remote_addr)
            VALUES (\(userID), \(Self.hash(cookieValue)), \(csrf), now() + make_interval(secs => \(settings.absoluteSeconds)),
                    \(String(userAgent.prefix(300))), \(String(remoteAddress.prefix(64))))
            RETURNING id
            """)[0].decode("id")
        try AuditLog(connection: connection).record(actorID: userID, actorLabel: principal.email, action: "session.create",
                                                    subjectType: "user", subjectID: userID.uuidString)
        return (Session(id: id, principal: principal, csrfToken: csrf), cookieValue)
    }

    /// The live session a cookie names, its idle clock restarted; nil when it is unknown, idle too long, past its
    /// absolute end, or its user is disabled.
    /// The session is marked seen at most once a `touchSeconds` (the idle timeout is that precise): a request that
    /// writes nothing commits without waiting for the WAL to reach the disk.
    public func session(cookieValue: String) throws -> Session? {
        guard let row = try connection.query("""
            SELECT s.id, s.csrf_token, u.id AS user_id, u.email, u.display_name, u.role, u.time_zone,
                   s.last_seen_at < now() - make_interval(secs => \(Self.touchSeconds)) AS stale,
                   (SELECT count(*)::int FROM (SELECT FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL
                                               LIMIT \(NotificationService.unreadCountCap)) unread) AS unread
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = \(Self.hash(cookieValue)) AND u.disabled_at IS NULL
              AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => \(settings.idleSeconds))
            """).first else { return nil }
        let id: UUID = try row.decode("id")
        // A statement of its own, once a minute: an UPDATE inside every lookup cost each request its setting-up.
        if try row.decode("stale", as: Bool.self) { try connection.execute("UPDATE sessions SET last_seen_at = now() WHERE id = \(id)") }
        return Session(id: id, principal: try UserRepository.principal(from: row), csrfToken: try row.decode("csrf_token"),
                       unreadNotifications: try row.decode("unread"))
    }

    /// Ends the session the cookie names (sign-out).
    public func signOut(cookieValue: String) throws {
        try connection.execute("DELETE FROM sessions WHERE token_hash = \(Self.hash(cookieValue))")
    }

    /// The principal of a live bearer token whose user is not disabled.
    /// `last_used_at` moves at most once a `touchSeconds`, as a session's `last_seen_at` does.
    public func principal(bearerToken: String) throws -> Principal? {
        guard let row = try connection.query("""
            SELECT t.id AS token_id, u.id AS user_id, u.email, u.display_name, u.role, u.time_zone,
                   t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => \(Self.touchSeconds)) AS stale
            FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(Digest.sha256(Array(bearerToken.utf8))) AND u.disabled_at IS NULL
              AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            """).first else { return nil }
        if try row.decode("stale", as: Bool.self) {
            try connection.execute("UPDATE api_tokens SET last_used_at = now() WHERE id = \(try row.decode("token_id", as: UUID.self))")
        }
        return try UserRepository.principal(from: row)
    }

    /// Ends every session of the user but `keeping`, and revokes the user's API tokens (a password change, a
    /// disabled account).
    public func endSessions(userID: UUID, keeping: UUID? = nil) throws {
        try connection.execute("DELETE FROM sessions WHERE user_id = \(userID) AND (\(keeping)::uuid IS NULL OR id <> \(keeping)::uuid)")
        try connection.execute("UPDATE api_tokens SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL")
    }

    /// Removes sessions that can no longer be used (called now and then; they are refused either way).
    public func pruneExpired() throws {
        try connection.execute("""
            DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => \(settings.idleSeconds))
            """)
    }

    /// How stale a session's `last_seen_at` or a token's `last_used_at` may be before a request moves it.
    static let touchSeconds = 60

    /// The name the limiter counts an account's failures under, whichever check failed (sign-in, current password).
    static func limiterAccount(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    static func hash(_ cookieValue: String) -> [UInt8] { Digest.sha256(Array(cookieValue.utf8)) }
}
