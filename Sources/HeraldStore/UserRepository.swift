import Foundation
import HeraldCore
import Postgres

/// SQL for `users`.
public struct UserRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Inserts a user; a second user with the same e-mail (any case) is a `UserExists` error.
    public func create(email: EmailAddress, role: UserRole, passwordHash: String) throws -> User {
        do {
            let rows = try connection.query("""
                INSERT INTO users (email, role, password_hash) VALUES (\(email.value), \(role.rawValue), \(passwordHash))
                RETURNING id, email, role, created_at
                """)
            return try Self.user(from: rows[0])
        } catch let error as PostgresError where error.isUniqueViolation {
            throw UserExists(email: email.value)
        }
    }

    public func find(email: EmailAddress) throws -> User? {
        try connection.query("SELECT id, email, role, created_at FROM users WHERE lower(email) = lower(\(email.value))")
            .first.map(Self.user(from:))
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
        return User(id: try row.decode("id"), email: try row.decode("email"), role: role, createdAt: try row.decode("created_at"))
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
