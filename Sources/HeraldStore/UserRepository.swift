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
