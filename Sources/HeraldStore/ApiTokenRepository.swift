import Foundation
import Postgres

/// An API token as its owner may see it: never the token, never its hash.
public struct ApiToken: Sendable, Equatable {
    public let id: UUID
    public let name: String
    /// The first characters of the token, so its owner can tell tokens apart.
    public let prefix: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let expiresAt: Date?

    public func isExpired(at now: Date = Date()) -> Bool { expiresAt.map { $0 <= now } ?? false }
}

/// SQL for `api_tokens`: only a SHA-256 of each token is stored.
public struct ApiTokenRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func create(userID: UUID, name: String, tokenHash: [UInt8], prefix: String, expiresAt: Date?) throws -> UUID {
        try connection.query("""
            INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, expires_at)
            VALUES (\(userID), \(name), \(tokenHash), \(prefix), \(expiresAt))
            RETURNING id
            """)[0].decode("id")
    }

    /// The user's tokens that are not revoked (expired ones too, so their owner sees why they stopped), newest first.
    public func list(userID: UUID) throws -> [ApiToken] {
        try connection.query("""
            SELECT id, name, token_prefix, created_at, last_used_at, expires_at FROM api_tokens
            WHERE user_id = \(userID) AND revoked_at IS NULL
            ORDER BY created_at DESC, id DESC
            """).map { row in
            ApiToken(id: try row.decode("id"), name: try row.decode("name"), prefix: try row.decode("token_prefix"),
                     createdAt: try row.decode("created_at"), lastUsedAt: try row.decode("last_used_at", as: Date?.self),
                     expiresAt: try row.decode("expires_at", as: Date?.self))
        }
    }

    /// Revokes one of the user's live tokens; returns its name, or nil when the user has no such token.
    public func revoke(id: UUID, userID: UUID) throws -> String? {
        try connection.query("""
            UPDATE api_tokens SET revoked_at = now() WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL
            RETURNING name
            """).first?.decode("name", as: String.self)
    }
}
