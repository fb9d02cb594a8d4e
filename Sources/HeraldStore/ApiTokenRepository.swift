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
}
