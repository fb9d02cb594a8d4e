import Foundation
import HeraldCore
import Postgres

/// Runs a report's own SQL on its data source: in a `READ ONLY` transaction with the source's `statement_timeout`.
public struct ReportQueryRunner {
    let connection: PostgresConnection

    /// `connection`: a session on the data source (not on Herald's database).
    public init(connection: PostgresConnection) { self.connection = connection }

    /// How a streamed run ended.
    public struct Streamed: Sendable, Equatable {
        public let rowCount: Int
        /// The result had more than `rowLimit` rows: only the first `rowLimit` were handed over.
        public let truncated: Bool
        public init(rowCount: Int, truncated: Bool) {
            self.rowCount = rowCount
            self.truncated = truncated
        }
    }

    /// Runs the report in one round trip (`BEGIN READ ONLY`, `SET LOCAL statement_timeout`, the query, `ROLLBACK`:
    /// the data source is often the busiest server in the picture) and hands its rows over as they arrive (one query
    /// feeds every format of a run, in bounded memory). The report goes alone in its statement, which the extended
    /// protocol keeps to one; `watch` is handed a cancel handle first (a deadline watchdog may fire it from another
    /// thread). `binds` are the `$n` values of the report's
    /// parameters, never spliced into its text. A result longer than `rowLimit` stops there: the rest of the query
    /// is cancelled and the run is marked truncated.
    ///
    /// The transaction ends in `ROLLBACK`, never `COMMIT`: a read-only query has nothing to keep, and a statement that
    /// READ ONLY lets through (`SET ROLE`, `SET search_path`) is undone with it instead of staying on the session the
    /// worker keeps for the next report. A statement that returns no rows is not a report and fails.
    public func stream(sql: String, binds: [String?] = [], statementTimeoutMs: Int, rowLimit: Int,
                       watch: (PostgresCancel) -> Void = { _ in },
                       columns: ([PostgresColumn]) throws -> Void, row: ([String?]) throws -> Void) throws -> Streamed {
        if let refusal = ReportStatement.refusal(sql) {
            throw PostgresError(kind: .query, sqlState: "25006", message: "the report \(refusal)")
        }
        let cancel = try connection.makeCancel()
        watch(cancel)
        var count = 0
        var truncated = false
        var described = false
        do {
            _ = try connection.stream(
                PostgresQuery(unsafeSQL: sql, binds: binds),
                after: ["BEGIN READ ONLY", PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(max(statementTimeoutMs, 1))")],
                before: ["ROLLBACK"], cancel: cancel, columns: { described = true; try columns($0) }
            ) { values in
                guard count < rowLimit else { truncated = true; return false }
                count += 1
                try row(values)
                return true
            }
        } catch {
            if connection.isConnected { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
        // Stopped early, the cancelled query left its transaction aborted (the ROLLBACK after it did not run).
        if connection.inTransaction { _ = try connection.execute("ROLLBACK") }
        guard described else {
            throw PostgresError(kind: .query, message: "a report must be a query that returns rows (SELECT, WITH … SELECT, VALUES or TABLE)")
        }
        return Streamed(rowCount: count, truncated: truncated)
    }
}
