import Foundation
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

struct ArtifactInventoryTests {
    /// A migrated database with one finished run; returns the connection and the run's id.
    static func database() throws -> (PostgresConnection, UUID) {
        let connection = try PostgresConnection(url: try TestDatabase.create())
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let source = try connection.query("INSERT INTO data_sources (name, url_encrypted) VALUES ('s', '\\x00'::bytea) RETURNING id")[0]
            .decode("id", as: UUID.self)
        let report = try connection.query("INSERT INTO reports (name, data_source_id, sql) VALUES ('r', \(source), 'SELECT 1') RETURNING id")[0]
            .decode("id", as: UUID.self)
        let schedule = try connection.query("""
            INSERT INTO schedules (report_id, recurrence, cron, time_zone) VALUES (\(report), '{}', '0 7 * * *', 'UTC') RETURNING id
            """)[0].decode("id", as: UUID.self)
        let execution = try connection.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, status)
            VALUES (\(schedule), \(report), \(Date(timeIntervalSince1970: 1_800_000_000)), 'succeeded') RETURNING id
            """)[0].decode("id", as: UUID.self)
        return (connection, execution)
    }

    @Test func pagesVisitEveryRowOnceInIdOrder() throws {
        let (connection, execution) = try Self.database()
        for i in 0..<7 {
            try connection.execute("""
                INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
                VALUES (\(execution), 'csv', 'r.csv', \("artifacts/f\(i).csv"), \(i), '\\x00'::bytea)
                """)
        }
        var pages: [[ArtifactInventory.RecordedFile]] = []
        try ArtifactInventory(connection: connection).forEachPage(size: 3) { pages.append($0) }
        #expect(pages.map(\.count) == [3, 3, 1])
        let seen = pages.flatMap { $0 }
        #expect(Set(seen.map(\.storagePath)) == Set((0..<7).map { "artifacts/f\($0).csv" }))
        #expect(seen.map(\.id) == seen.map(\.id).sorted { $0.uuidString.lowercased() < $1.uuidString.lowercased() })
    }

    @Test func looksUpWhichFilesHaveRowsAndWhichRunsAreUnfinished() throws {
        let (connection, finished) = try Self.database()
        try connection.execute("""
            INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(finished), 'csv', 'r.csv', 'artifacts/kept.csv', 1, '\\x00'::bytea)
            """)
        let inventory = ArtifactInventory(connection: connection)
        #expect(try inventory.recordedPaths(among: ["artifacts/kept.csv", "artifacts/stray.csv"]) == ["artifacts/kept.csv"])
        #expect(try inventory.recordedPaths(among: []).isEmpty)
        try connection.execute("UPDATE executions SET status = 'running'")
        #expect(try inventory.unfinishedExecutions(among: [finished, UUID()]) == [finished])
    }

    @Test func migrationStatusNamesPendingAndUnknownVersions() throws {
        let connection = try PostgresConnection(url: try TestDatabase.create())
        let all = try Migration.bundled()
        let fresh = try Migrator(connection: connection, migrations: all).status()
        #expect(fresh.applied == 0)
        #expect(fresh.pending.count == all.count)
        try Migrator(connection: connection, migrations: all).migrate()
        try connection.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
        let status = try Migrator(connection: connection, migrations: all).status()
        #expect(status.pending.isEmpty)
        #expect(status.unknown == [9999])
    }
}
