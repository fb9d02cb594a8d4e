import Foundation
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

struct MigratorTests {
    @Test func bundledMigrationsAreNumberedFromOne() throws {
        let migrations = try Migration.bundled()
        #expect(migrations.first?.version == 1)
        // No gaps: a missing number usually means a migration left behind on a branch.
        #expect(migrations.map(\.version) == Array(1...migrations.count))
    }

    @Test func createsEveryTableTheArchitectureNames() throws {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(url: url)
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let tables = Set(try connection.query("""
            SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
            """).map { try $0.decode("table_name", as: String.self) })
        for table in ["users", "sessions", "api_tokens", "data_sources", "reports", "schedules", "executions", "deliveries",
                      "artifacts", "destinations", "distribution_templates", "notifications", "audit_log", "schema_migrations"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test func aSlotCanFireOnlyOnce() throws {
        let connection = try PostgresConnection(url: try TestDatabase.create())
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let source = try connection.query("""
            INSERT INTO data_sources (name, url_encrypted) VALUES ('s', '\\x00'::bytea) RETURNING id
            """)[0].decode("id", as: UUID.self)
        let report = try connection.query("""
            INSERT INTO reports (name, data_source_id, sql) VALUES ('r', \(source), 'SELECT 1') RETURNING id
            """)[0].decode("id", as: UUID.self)
        let schedule = try connection.query("""
            INSERT INTO schedules (report_id, recurrence, cron, time_zone) VALUES (\(report), '{}', '0 7 * * 1-5', 'Europe/Berlin')
            RETURNING id
            """)[0].decode("id", as: UUID.self)
        let slot = Date(timeIntervalSince1970: 1_800_000_000)
        try connection.execute("INSERT INTO executions (schedule_id, report_id, scheduled_for) VALUES (\(schedule), \(report), \(slot))")
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO executions (schedule_id, report_id, scheduled_for) VALUES (\(schedule), \(report), \(slot))")
        }
        #expect(error?.isUniqueViolation == true)
    }

    @Test func storedDayNameLastWeekdaysAreRewrittenToTheNumberForm() throws {
        let connection = try PostgresConnection(url: try TestDatabase.create())
        let all = try Migration.bundled()
        try Migrator(connection: connection, migrations: all.filter { $0.version < 6 }).migrate()
        let source = try connection.query("INSERT INTO data_sources (name, url_encrypted) VALUES ('s', '\\x00'::bytea) RETURNING id")[0]
            .decode("id", as: UUID.self)
        let report = try connection.query("INSERT INTO reports (name, data_source_id, sql) VALUES ('r', \(source), 'SELECT 1') RETURNING id")[0]
            .decode("id", as: UUID.self)
        for cron in ["0 9 * * FRIL", "30 6 * * monL", "0 7 * * 1-5"] {
            try connection.execute("""
                INSERT INTO schedules (report_id, recurrence, cron, time_zone)
                VALUES (\(report), jsonb_build_object('kind', 'custom', 'time_zone', 'UTC', 'cron', \(cron)::text), \(cron), 'UTC')
                """)
        }
        try Migrator(connection: connection, migrations: all).migrate()
        let rows = try connection.query("SELECT cron, recurrence ->> 'cron' AS stored FROM schedules ORDER BY cron")
        #expect(try rows.map { try $0.decode("cron", as: String.self) } == ["0 7 * * 1-5", "0 9 * * 5L", "30 6 * * 1L"])
        #expect(try rows.map { try $0.decode("stored", as: String.self) } == ["0 7 * * 1-5", "0 9 * * 5L", "30 6 * * 1L"])
    }

    @Test func runningTwiceAppliesNothingTheSecondTime() throws {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(url: url)
        let migrations = try Migration.bundled()
        #expect(try Migrator(connection: connection, migrations: migrations).migrate().count == migrations.count)
        #expect(try Migrator(connection: connection, migrations: migrations).migrate().isEmpty)
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() throws {
        let url = try TestDatabase.create()
        let migrations = try Migration.bundled()
        let results = ConcurrentResults()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = try PostgresConnection(url: url)
                    results.add(.success(try Migrator(connection: connection, migrations: migrations).migrate().count))
                } catch {
                    results.add(.failure(error))
                }
            }
        }
        group.wait()
        let counts = try results.all.map { try $0.get() }
        #expect(counts.reduce(0, +) == migrations.count, "every migration applied by exactly one migrator")
        let applied = try PostgresConnection(url: url).query("SELECT version, count(*) AS n FROM schema_migrations GROUP BY version")
        #expect(applied.count == migrations.count)
        #expect(try applied.allSatisfy { try $0.decode("n", as: Int.self) == 1 })
    }

    @Test func aFailingMigrationLeavesNothingHalfWritten() throws {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(url: url)
        let broken = [
            Migration(version: 1, name: "good", sql: "CREATE TABLE a (id int);"),
            Migration(version: 2, name: "bad", sql: "CREATE TABLE b (id int); SELECT no_such_function();"),
        ]
        #expect(throws: PostgresError.self) { try Migrator(connection: connection, migrations: broken).migrate() }
        #expect(try Migrator(connection: connection, migrations: broken).appliedVersions() == [1])
        let tableB = try connection.query("SELECT to_regclass('public.b') IS NULL AS missing")[0].decode("missing", as: Bool.self)
        #expect(tableB)
    }

    @Test func refusesMisnamedMigrationFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 1".write(to: folder.appendingPathComponent("first.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try Migration.load(from: folder) }
    }
}

final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Int, any Error>] = []
    func add(_ result: Result<Int, any Error>) { lock.withLock { results.append(result) } }
    var all: [Result<Int, any Error>] { lock.withLock { results } }
}
