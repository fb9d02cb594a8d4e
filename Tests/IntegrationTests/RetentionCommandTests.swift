import Foundation
import Postgres
import Testing
import TestSupport

/// `herald retention run`: the cleaner the schedulers run, on demand, printing what it removed.
struct RetentionCommandTests {
    @Test func retentionRunRemovesExpiredRunsWithTheirFilesAndSaysSo() throws {
        let url = try TestDatabase.create()
        var environment = try HeraldCommandTests.environment(databaseURL: url)
        environment["HERALD_RETENTION_DAYS"] = "30"
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment).status == 0)
        let store = try PostgresConnection(url: url)
        let report: UUID = try store.query("""
            WITH source AS (INSERT INTO data_sources (name, url_encrypted) VALUES ('src', '\\x010203') RETURNING id)
            INSERT INTO reports (name, data_source_id, sql) SELECT 'Sales', id, 'SELECT 1' FROM source RETURNING id
            """)[0].decode("id")
        func run(daysAgo: Int) throws -> UUID {
            try store.query("""
                INSERT INTO executions (report_id, scheduled_for, trigger, status, finished_at)
                VALUES (\(report), now() - make_interval(days => \(daysAgo)), 'manual', 'succeeded', now() - make_interval(days => \(daysAgo)))
                RETURNING id
                """)[0].decode("id")
        }
        let old = try run(daysAgo: 31)
        let recent = try run(daysAgo: 29)
        let data = try #require(environment["HERALD_DATA_DIR"])
        let file = "artifacts/2020/01/02/\(old.uuidString.lowercased()).csv"
        try FileManager.default.createDirectory(atPath: data + "/artifacts/2020/01/02", withIntermediateDirectories: true)
        try Data("a\r\n1\r\n".utf8).write(to: URL(fileURLWithPath: data + "/" + file))
        try store.execute("""
            INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(old), 'csv', 'sales.csv', \(file), 6, decode(repeat('00', 32), 'hex'))
            """)

        let result = try runCommand(HeraldCommandTests.herald, ["retention", "run"], environment: environment)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("removed 1 runs, 1 artifacts, 1 files (6 bytes) in 1 batches"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: data + "/" + file))
        #expect(try store.query("SELECT id FROM executions").map { try $0.decode("id", as: UUID.self) } == [recent])

        environment["HERALD_RETENTION_DAYS"] = "forever"
        let refused = try runCommand(HeraldCommandTests.herald, ["retention", "run"], environment: environment)
        #expect(refused.status == 78)
        #expect(refused.output.contains("HERALD_RETENTION_DAYS"))
    }
}
