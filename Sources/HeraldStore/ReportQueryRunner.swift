import Foundation
import Postgres

/// Runs a report's own SQL on its data source: in a `READ ONLY` transaction with the source's `statement_timeout`.
public struct ReportQueryRunner {
    let connection: PostgresConnection

    /// `connection`: a session on the data source (not on Herald's database).
    public init(connection: PostgresConnection) { self.connection = connection }

    /// `watch` is handed a cancel handle before the statements go out: a deadline watchdog may fire it from another
    /// thread.
    public func run(sql: String, statementTimeoutMs: Int, watch: (PostgresCancel) -> Void = { _ in }) throws -> PostgresTable {
        watch(try connection.makeCancel())
        // One round trip for the four (the data source is often the busiest server in the picture). The timeout is an
        // integer from our own column; the report goes alone in its statement, which the extended protocol keeps to one.
        let results: [PostgresTable]
        do {
            results = try connection.pipeline([
                "BEGIN READ ONLY",
                PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(max(statementTimeoutMs, 1))"),
                PostgresQuery(unsafeSQL: sql),
                "COMMIT",
            ])
        } catch {
            if connection.isConnected { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
        return results[2]
    }
}
