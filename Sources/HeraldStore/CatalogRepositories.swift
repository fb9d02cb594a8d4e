import Crypto
import Foundation
import HeraldCore
import Postgres

/// SQL for `data_sources`. The connection URL may hold a password, so it is stored sealed under the secret key (with
/// the key's id) and never returned in clear except to the worker that connects with it.
public struct DataSourceRepository {
    let connection: PostgresConnection
    let keyring: SecretKeyring

    public init(connection: PostgresConnection, keyring: SecretKeyring) {
        self.connection = connection
        self.keyring = keyring
    }

    public init(connection: PostgresConnection, secretKey: [UInt8]) throws {
        self.init(connection: connection, keyring: try SecretKeyring(current: secretKey))
    }

    public func create(name: String, url: String) throws -> UUID {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw ValidationError(field: "name", message: "must be 1 to 200 characters") }
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            throw ValidationError(field: "url", message: "must be a postgresql:// URL")
        }
        do {
            return try connection.query("""
                INSERT INTO data_sources (name, url_encrypted, url_key_id)
                VALUES (\(trimmed), \(keyring.seal(Array(url.utf8))), \(keyring.currentID)) RETURNING id
                """)[0].decode("id")
        } catch let error as PostgresError where error.isUniqueViolation {
            throw ValidationError(field: "name", message: "a data source named \(trimmed) already exists")
        }
    }

    /// The connection URL in clear, for the worker that runs the report.
    public func connectionURL(id: UUID) throws -> String? {
        guard let row = try connection.query("SELECT url_encrypted, url_key_id FROM data_sources WHERE id = \(id)").first else { return nil }
        let sealed = try keyring.open(try row.decode("url_encrypted"), keyID: try row.decode("url_key_id", as: String?.self))
        return String(decoding: sealed, as: UTF8.self)
    }

    /// Points the data source at another URL (stored sealed); workers reconnect when they next re-read it.
    public func updateURL(id: UUID, url: String) throws {
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            throw ValidationError(field: "url", message: "must be a postgresql:// URL")
        }
        try connection.execute("""
            UPDATE data_sources SET url_encrypted = \(keyring.seal(Array(url.utf8))), url_key_id = \(keyring.currentID), updated_at = now()
            WHERE id = \(id)
            """)
    }

    /// Which of `ids` still exist (a worker closes its connections to the others).
    public func existing(_ ids: [UUID]) throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return Set(try connection.query("SELECT id FROM data_sources WHERE id = ANY(\(ids)::uuid[])").map { try $0.decode("id", as: UUID.self) })
    }
}

/// SQL for `reports` (the benchmark's and tests' shortcut; people make reports through `ReportService`).
public struct ReportRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Reports run at most this long by default (`max_duration_seconds`): 30 minutes.
    public static let defaultMaxDurationSeconds = 1800

    public func create(name: String, dataSourceID: UUID, sql: String, ownerID: UUID? = nil,
                       maxDurationSeconds: Int = ReportRepository.defaultMaxDurationSeconds) throws -> UUID {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw ValidationError(field: "name", message: "must be 1 to 200 characters") }
        guard !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError(field: "sql", message: "is required") }
        guard (1...604_800).contains(maxDurationSeconds) else {
            throw ValidationError(field: "max-duration", message: "must be 1 to 604800 seconds (a week)")
        }
        guard try connection.query("SELECT 1 FROM data_sources WHERE id = \(dataSourceID)").count == 1 else {
            throw ValidationError(field: "datasource", message: "no data source has the id \(dataSourceID.uuidString.lowercased())")
        }
        return try connection.query("""
            INSERT INTO reports (name, data_source_id, sql, owner_id, max_duration_seconds)
            VALUES (\(trimmed), \(dataSourceID), \(sql), \(ownerID), \(maxDurationSeconds)) RETURNING id
            """)[0].decode("id")
    }
}
