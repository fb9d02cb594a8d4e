import Foundation
import HeraldStore
import Postgres
import Testing
import TestSupport

/// A report's rows streamed as they arrive (single-row mode inside the one round trip), with a row limit that stops
/// the query and marks the result truncated; whatever happens, the worker's session is left clean for the next run.
struct ReportQueryStreamTests {
    func connect() throws -> PostgresConnection { try PostgresConnection(url: try TestEnvironment.databaseURL()) }

    func expectClean(_ connection: PostgresConnection) throws {
        #expect(!connection.inTransaction)
        #expect(try connection.query("SELECT 41 + 1 AS n")[0].decode("n", as: Int.self) == 42)
        #expect(try connection.query("SELECT current_setting('transaction_read_only') AS ro")[0].decode("ro", as: String.self) == "off")
    }

    @Test func rowsArriveInOrderWithTheirColumnTypes() throws {
        let connection = try connect()
        var columns: [PostgresColumn] = []
        var rows: [[String?]] = []
        let result = try ReportQueryRunner(connection: connection).stream(
            sql: "SELECT n, 'row ' || n AS label, n % 2 = 0 AS even, NULL::date AS day FROM generate_series(1, 20000) n",
            statementTimeoutMs: 10_000, rowLimit: 1_000_000, columns: { columns = $0 }, row: { rows.append($0) })
        #expect(columns.map(\.name) == ["n", "label", "even", "day"])
        #expect(columns.map(\.typeOID) == [23, 25, 16, 1082])
        #expect(result == .init(rowCount: 20000, truncated: false))
        #expect(rows.count == 20000)
        #expect(rows.first == ["1", "row 1", "f", nil])
        #expect(rows.last == ["20000", "row 20000", "t", nil])
        try expectClean(connection)
    }

    @Test func anEmptyResultStillHasItsColumns() throws {
        let connection = try connect()
        var columns: [PostgresColumn] = []
        var called = 0
        let result = try ReportQueryRunner(connection: connection).stream(
            sql: "SELECT 1::bigint AS a, now() AS b WHERE false", statementTimeoutMs: 5_000, rowLimit: 10,
            columns: { columns = $0 }, row: { _ in called += 1 })
        #expect(columns == [PostgresColumn(name: "a", typeOID: 20), PostgresColumn(name: "b", typeOID: 1184)])
        #expect(result == .init(rowCount: 0, truncated: false))
        #expect(called == 0)
        try expectClean(connection)
    }

    /// Ten million rows would take many seconds to send; stopping at the limit cancels the rest at once.
    @Test func theRowLimitStopsTheQueryAndMarksTheResultTruncated() throws {
        let connection = try connect()
        var rows = 0
        let began = ContinuousClock.now
        let result = try ReportQueryRunner(connection: connection).stream(
            sql: "SELECT n FROM generate_series(1, 10000000) n", statementTimeoutMs: 60_000, rowLimit: 10,
            columns: { _ in }, row: { _ in rows += 1 })
        #expect(result == .init(rowCount: 10, truncated: true))
        #expect(rows == 10)
        #expect(ContinuousClock.now - began < .seconds(30))
        try expectClean(connection)
    }

    @Test func aResultOfExactlyTheLimitIsNotTruncated() throws {
        let connection = try connect()
        let result = try ReportQueryRunner(connection: connection).stream(
            sql: "SELECT n FROM generate_series(1, 10) n", statementTimeoutMs: 5_000, rowLimit: 10, columns: { _ in }, row: { _ in })
        #expect(result == .init(rowCount: 10, truncated: false))
        try expectClean(connection)
    }

    @Test func parametersAreBoundAsDataNeverSpliced() throws {
        let connection = try connect()
        let hostile = ["'; DROP TABLE reports; --", "1 OR 1=1", "$$", "pg_read_file('/etc/passwd')"]
        for value in hostile {
            var seen: [[String?]] = []
            _ = try ReportQueryRunner(connection: connection).stream(
                sql: "SELECT $1::text AS v, length($1::text) AS n", binds: [value], statementTimeoutMs: 5_000, rowLimit: 10,
                columns: { _ in }, row: { seen.append($0) })
            #expect(seen == [[value, String(value.count)]])
        }
        try expectClean(connection)
    }

    @Test func anErrorMidStreamIsThrownAndTheSessionIsClean() throws {
        let connection = try connect()
        var rows = 0
        let error = #expect(throws: PostgresError.self) {
            _ = try ReportQueryRunner(connection: connection).stream(
                sql: "SELECT 10 / (5000 - n) AS v FROM generate_series(1, 10000) n", statementTimeoutMs: 5_000, rowLimit: 1_000_000,
                columns: { _ in }, row: { _ in rows += 1 })
        }
        #expect(error?.sqlState == "22012")   // division_by_zero
        #expect(rows < 5000)
        try expectClean(connection)
    }

    @Test func writesAreRefusedAsReadOnly() throws {
        let connection = try connect()
        let error = #expect(throws: PostgresError.self) {
            _ = try ReportQueryRunner(connection: connection).stream(
                sql: "CREATE TABLE should_not_exist (n int)", statementTimeoutMs: 5_000, rowLimit: 10, columns: { _ in }, row: { _ in })
        }
        #expect(error?.sqlState == "25006")
        try expectClean(connection)
    }

    /// A renderer that fails (a full disk) stops the query; its error is the one thrown.
    @Test func aFailingConsumerStopsTheQueryWithItsOwnError() throws {
        struct DiskFull: Error {}
        let connection = try connect()
        #expect(throws: DiskFull.self) {
            _ = try ReportQueryRunner(connection: connection).stream(
                sql: "SELECT n FROM generate_series(1, 10000000) n", statementTimeoutMs: 60_000, rowLimit: 100_000_000,
                columns: { _ in }, row: { values in if values[0] == "3" { throw DiskFull() } })
        }
        try expectClean(connection)
    }
}
