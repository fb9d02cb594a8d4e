import Crypto
import Foundation
import Postgres

/// `herald secrets rotate`: re-seals every stored secret (destination credentials, data-source URLs, the admin's SMTP
/// password) that is not yet
/// under the current key, opening each with the key its id names (`HERALD_SECRET_KEY_PREVIOUS` for the old one). Works
/// in small transactions, so a rotation that stops half-way is simply run again; values never leave the process.
public struct SecretRotation {
    let connection: PostgresConnection
    let keyring: SecretKeyring

    public init(connection: PostgresConnection, keyring: SecretKeyring) {
        self.connection = connection
        self.keyring = keyring
    }

    public struct Outcome: Sendable, Equatable {
        public var destinations = 0
        public var dataSources = 0
        public var systemEmail = 0
    }

    public func rotate(batchSize: Int = 100) throws -> Outcome {
        var outcome = Outcome()
        outcome.destinations = try reseal(table: "destinations", value: "secret_encrypted", keyID: "secret_key_id", batchSize: batchSize)
        outcome.dataSources = try reseal(table: "data_sources", value: "url_encrypted", keyID: "url_key_id", batchSize: batchSize)
        outcome.systemEmail = try reseal(table: "system_email", value: "password_encrypted", keyID: "password_key_id", batchSize: batchSize)
        if outcome.destinations + outcome.dataSources + outcome.systemEmail > 0 {
            try AuditLog(connection: connection).record(actorID: nil, actorLabel: "command line", action: "secrets.rotate",
                                                        subjectType: "secret_key", subjectID: keyring.currentID,
                                                        details: ["destinations": String(outcome.destinations), "data_sources": String(outcome.dataSources),
                                                                  "system_email": String(outcome.systemEmail)])
        }
        return outcome
    }

    /// How many sealed values are not under the current key yet.
    public func pending() throws -> Int {
        try connection.query("""
            SELECT (SELECT count(*) FROM destinations WHERE secret_encrypted IS NOT NULL AND secret_key_id IS DISTINCT FROM \(keyring.currentID))
                 + (SELECT count(*) FROM data_sources WHERE url_key_id IS DISTINCT FROM \(keyring.currentID))
                 + (SELECT count(*) FROM system_email WHERE password_encrypted IS NOT NULL AND password_key_id IS DISTINCT FROM \(keyring.currentID)) AS n
            """)[0].decode("n", as: Int.self)
    }

    private func reseal(table: String, value: String, keyID: String, batchSize: Int) throws -> Int {
        var done = 0
        while true {
            let count: Int = try connection.transaction {
                let rows = try connection.query("""
                    SELECT id, \(unsafeRaw: value) AS sealed, \(unsafeRaw: keyID) AS key_id FROM \(unsafeRaw: table)
                    WHERE \(unsafeRaw: value) IS NOT NULL AND \(unsafeRaw: keyID) IS DISTINCT FROM \(keyring.currentID)
                    ORDER BY id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                    """)
                for row in rows {
                    let plaintext = try keyring.open(try row.decode("sealed"), keyID: try row.decode("key_id", as: String?.self))
                    try connection.execute("""
                        UPDATE \(unsafeRaw: table) SET \(unsafeRaw: value) = \(keyring.seal(plaintext)), \(unsafeRaw: keyID) = \(keyring.currentID)
                        WHERE id = \(try row.decode("id", as: UUID.self))
                        """)
                }
                return rows.count
            }
            done += count
            if count < batchSize { return done }
        }
    }
}
