import Foundation
import Postgres

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

    /// The user a live token belongs to, and marks the token used.
    public func userID(forTokenHash hash: [UInt8]) throws -> UUID? {
        try connection.query("""
            UPDATE api_tokens SET last_used_at = now()
            WHERE token_hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            RETURNING user_id
            """).first?.decode("user_id")
    }
}
