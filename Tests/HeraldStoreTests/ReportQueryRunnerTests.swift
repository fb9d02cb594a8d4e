import Foundation
import HeraldStore
import Postgres
import Testing
import TestSupport

/// A report's query runs read-only, within its statement timeout, one statement only; a failed one leaves the
/// session (kept by the worker for the next run) clean.
struct ReportQueryRunnerTests {
    func connect() throws -> PostgresConnection { try PostgresConnection(url: try TestEnvironment.databaseURL()) }

    /// The whole result of a streamed run.
    func table(_ runner: ReportQueryRunner, _ sql: String, timeoutMs: Int = 5_000) throws -> (columns: [String], rows: [[String?]]) {
        var columns: [String] = []
        var rows: [[String?]] = []
        _ = try runner.stream(sql: sql, statementTimeoutMs: timeoutMs, rowLimit: 1_000, columns: { columns = $0.map(\.name) },
                              row: { rows.append($0) })
        return (columns, rows)
    }

    @Test func returnsTheReportsColumnsAndRows() throws {
        let table = try table(ReportQueryRunner(connection: try connect()), "SELECT n, 'row ' || n AS label FROM generate_series(1, 3) n")
        #expect(table.columns == ["n", "label"])
        #expect(table.rows == [["1", "row 1"], ["2", "row 2"], ["3", "row 3"]])
    }

    @Test func refusesWritesSecondStatementsAndSlowQueriesAndTheSessionStaysUsable() throws {
        let connection = try connect()
        let runner = ReportQueryRunner(connection: connection)
        let timeoutBefore: String = try connection.query("SELECT current_setting('statement_timeout') AS t")[0].decode("t")
        let name = "report_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(name) (n int)"))
        defer { _ = try? connection.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(name)")) }

        let write = #expect(throws: PostgresError.self) {
            try table(runner, "INSERT INTO \(name) VALUES (1)")
        }
        #expect(write?.sqlState == "25006")   // read_only_sql_transaction
        let second = #expect(throws: PostgresError.self) {
            try table(runner, "SELECT 1; INSERT INTO \(name) VALUES (2)")
        }
        #expect(second?.sqlState == "42601")  // cannot insert multiple commands into a prepared statement
        let slow = #expect(throws: PostgresError.self) {
            try table(runner, "SELECT pg_sleep(5)", timeoutMs: 100)
        }
        #expect(slow?.sqlState == "57014")   // query_canceled by statement_timeout
        #expect(try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(name)"))[0].decode("n", as: Int.self) == 0)

        // No transaction or timeout is left behind on the session.
        #expect(!connection.inTransaction)
        #expect(try connection.query("SELECT current_setting('statement_timeout') AS t")[0].decode("t", as: String.self) == timeoutBefore)
        #expect(try table(runner, "SELECT 5 AS n").rows == [["5"]])
    }
}

/// Acceptance: reports that write fail with a clear read-only error, and a statement READ ONLY lets through
/// (`SET ROLE`) neither runs as a report nor stays on the session the worker keeps.
struct ReportQueryWriteRefusalTests {
    @Test func writingReportsFailAndNothingChanges() throws {
        let connection = try PostgresConnection(url: try TestEnvironment.databaseURL())
        let runner = ReportQueryRunner(connection: connection)
        let name = "kept_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(name) (n int)"))
        try connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(name) VALUES (1)"))
        defer { _ = try? connection.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(name)")) }
        func run(_ sql: String) throws {
            _ = try runner.stream(sql: sql, statementTimeoutMs: 5_000, rowLimit: 10, columns: { _ in }, row: { _ in })
        }
        for sql in ["DELETE FROM \(name)", "CREATE TABLE \(name)_2 (n int)", "COPY (SELECT 1) TO PROGRAM 'touch /tmp/herald-pwned'",
                    "WITH gone AS (DELETE FROM \(name) RETURNING n) SELECT * FROM gone"] {
            let error = #expect(throws: PostgresError.self, "\(sql)") { try run(sql) }
            #expect(error?.sqlState == "25006", "\(sql): \(error.map { "\($0)" } ?? "")")   // read_only_sql_transaction
        }
        let roleBefore: String = try connection.query("SELECT current_user AS u")[0].decode("u")
        let setRole = #expect(throws: PostgresError.self) { try run("/* hidden */ SET ROLE pg_read_all_data") }
        #expect(setRole?.sqlState == "25006")
        #expect(setRole?.message.contains("SET is not allowed in a report") == true, "\(setRole.map { "\($0)" } ?? "")")
        #expect(try connection.query("SELECT current_user AS u")[0].decode("u", as: String.self) == roleBefore)
        #expect(try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(name)"))[0].decode("n", as: Int.self) == 1)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/herald-pwned"))
        #expect(!connection.inTransaction)
    }
}
