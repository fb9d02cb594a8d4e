import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A report's row limit cuts a longer result there, and the run says so (never silently): `truncated` on the
/// execution, the row count of what was kept, and a kept file of exactly that many rows.
struct ExecutionRowLimitTests {
    @Test func aResultLongerThanTheRowLimitIsCutAndTheRunMarkedTruncated() throws {
        let key = SecretBox.generateKey()
        let url = try TestDatabase.create()
        let store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
        let reports = ReportService(connection: store, maximumRowLimit: 1_000)
        func report(_ name: String, limit: Int) throws -> UUID {
            try reports.create(ReportInput(name: name, dataSourceID: source, sql: "SELECT n FROM generate_series(1, 100) n", rowLimit: limit),
                               actor: .commandLine).id
        }
        let cut = try report("cut", limit: 5)
        let whole = try report("whole", limit: 100)
        let folder = NSTemporaryDirectory() + "herald-rowlimit-\(UUID().uuidString.prefix(8))"
        let runner = ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key, settings: .init(dataDirectory: folder), owner: "test")
        func run(_ report: UUID) throws -> (truncated: Bool, rows: Int, lines: Int) {
            let id: UUID = try store.query("""
                INSERT INTO executions (report_id, scheduled_for, trigger) VALUES (\(report), now(), 'manual') RETURNING id
                """)[0].decode("id")
            guard case .finished(let outcome) = try runner.run(id), outcome.status == "succeeded" else {
                Issue.record("the run did not succeed")
                return (false, -1, -1)
            }
            let row = try store.query("""
                SELECT e.truncated, e.row_count::int AS rows, a.storage_path FROM executions e JOIN artifacts a ON a.execution_id = e.id
                WHERE e.id = \(id)
                """)[0]
            let csv = try String(contentsOfFile: folder + "/" + (try row.decode("storage_path", as: String.self)), encoding: .utf8)
            return (try row.decode("truncated"), try row.decode("rows"), csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count)
        }
        let cutRun = try run(cut)
        #expect(cutRun.truncated)
        #expect(cutRun.rows == 5)
        #expect(cutRun.lines == 6)          // the header and the five rows kept
        let wholeRun = try run(whole)       // exactly the limit: nothing was cut
        #expect(!wholeRun.truncated)
        #expect(wholeRun.rows == 100)

        // The limit is checked against the server's maximum, beside the field.
        let refused = #expect(throws: ValidationErrors.self) {
            try reports.create(ReportInput(name: "big", dataSourceID: source, sql: "SELECT 1", rowLimit: 1_001), actor: .commandLine)
        }
        #expect(refused?.errors.map(\.field) == ["row_limit"])
    }
}
