import Foundation
import HeraldCore
import Postgres

/// SQL for `users`.
public struct UserRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    static let columns = "id, email, role, created_at, display_name, time_zone, disabled_at"

    /// Inserts a user; a second user with the same e-mail (any case) is a `UserExists` error.
    public func create(email: EmailAddress, role: UserRole, passwordHash: String, displayName: String = "",
                       timeZone: String = "UTC") throws -> User {
        do {
            let rows = try connection.query("""
                INSERT INTO users (email, role, password_hash, display_name, time_zone)
                VALUES (\(email.value), \(role.rawValue), \(passwordHash), \(displayName), \(timeZone))
                RETURNING \(unsafeRaw: Self.columns)
                """)
            return try Self.user(from: rows[0])
        } catch let error as PostgresError where error.isUniqueViolation {
            throw UserExists(email: email.value)
        }
    }

    public func find(email: EmailAddress) throws -> User? {
        try connection.query("SELECT \(unsafeRaw: Self.columns) FROM users WHERE lower(email) = lower(\(email.value))")
            .first.map(Self.user(from:))
    }

    public func find(id: UUID) throws -> User? {
        try connection.query("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(id)").first.map(Self.user(from:))
    }

    /// One page of users by e-mail (keyset on `lower(email), id`), `limit + 1` rows so callers know whether more follow.
    public func list(afterEmail: String?, afterID: UUID?, limit: Int) throws -> [User] {
        try connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM users
            WHERE \(afterEmail)::text IS NULL OR (lower(email), id) > (\(afterEmail)::text, \(afterID)::uuid)
            ORDER BY lower(email), id
            LIMIT \(limit + 1)
            """).map(Self.user(from:))
    }

    /// The number of admins who may still sign in (the last one is never demoted or disabled).
    public func activeAdminCount() throws -> Int {
        try connection.query("SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL")[0].decode("n")
    }

    public func setRole(id: UUID, role: UserRole) throws {
        try connection.execute("UPDATE users SET role = \(role.rawValue), updated_at = now() WHERE id = \(id)")
    }

    public func setDisplayName(id: UUID, displayName: String) throws {
        try connection.execute("UPDATE users SET display_name = \(displayName), updated_at = now() WHERE id = \(id)")
    }

    public func setTimeZone(id: UUID, timeZone: String) throws {
        try connection.execute("UPDATE users SET time_zone = \(timeZone), updated_at = now() WHERE id = \(id)")
    }

    public func setDisabled(id: UUID, _ disabled: Bool) throws {
        try connection.execute("""
            UPDATE users SET disabled_at = CASE WHEN \(disabled)::boolean THEN coalesce(disabled_at, now()) END, updated_at = now()
            WHERE id = \(id)
            """)
    }

    public func setPasswordHash(id: UUID, passwordHash: String) throws {
        try connection.execute("UPDATE users SET password_hash = \(passwordHash), updated_at = now() WHERE id = \(id)")
    }

    /// The stored hash, for sign-in only.
    public func passwordHash(userID: UUID) throws -> String? {
        try connection.query("SELECT password_hash FROM users WHERE id = \(userID) AND disabled_at IS NULL")
            .first?.decode("password_hash", as: String.self)
    }

    /// Who the user is, for a session or a token; nil when the user is missing or disabled.
    public func principal(userID: UUID) throws -> Principal? {
        try connection.query("""
            SELECT id AS user_id, email, display_name, role, time_zone FROM users WHERE id = \(userID) AND disabled_at IS NULL
            """).first.map(Self.principal(from:))
    }

    /// A principal from a row with `user_id, email, display_name, role, time_zone`.
    static func principal(from row: PostgresRow) throws -> Principal {
        let roleName = try row.decode("role", as: String.self)
        guard let role = UserRole(rawValue: roleName) else {
            throw ValidationError(field: "role", message: "\(roleName) is not a known role")
        }
        return Principal(userID: try row.decode("user_id"), email: try row.decode("email"), displayName: try row.decode("display_name"),
                         role: role, timeZone: try row.decode("time_zone"))
    }

    static func user(from row: PostgresRow) throws -> User {
        let roleName = try row.decode("role", as: String.self)
        guard let role = UserRole(rawValue: roleName) else {
            throw ValidationError(field: "role", message: "\(roleName) is not a known role")
        }
        return User(id: try row.decode("id"), email: try row.decode("email"), role: role, createdAt: try row.decode("created_at"),
                    displayName: try row.decode("display_name"), timeZone: try row.decode("time_zone"),
                    disabledAt: try row.decode("disabled_at", as: Date?.self))
    }
}

public struct UserExists: Error, CustomStringConvertible {
    public let email: String
    public var description: String { "a user with the e-mail \(email) already exists" }
}

public struct UserNotFound: Error, CustomStringConvertible {
    public let email: String
    public var description: String { "no user has the e-mail \(email)" }
}
