import Foundation
import Postgres

/// Runs a report's own SQL on its data source: in a `READ ONLY` transaction with the source's `statement_timeout`.
public struct ReportQueryRunner {
    let connection: PostgresConnection

    /// `connection`: a session on the data source (not on Herald's database).
    public init(connection: PostgresConnection) { self.connection = connection }

    /// `watch` is handed a cancel handle once the transaction is open, just before the report's statement: a
    /// deadline watchdog may fire it from another thread.
    public func run(sql: String, statementTimeoutMs: Int, watch: (PostgresCancel) -> Void = { _ in }) throws -> PostgresTable {
        // One round trip for both (a fixed script: the timeout is an integer from our own column). The report
        // itself goes alone through the extended protocol, which refuses a second statement.
        try connection.executeScript(unsafeSQL: "BEGIN READ ONLY; SET LOCAL statement_timeout = \(max(statementTimeoutMs, 1))")
        let table: PostgresTable
        do {
            watch(try connection.makeCancel())
            table = try connection.table(PostgresQuery(unsafeSQL: sql))
        } catch {
            if connection.isConnected { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
        try connection.execute("COMMIT")
        return table
    }
}
