import Foundation
import Postgres
import Redis
import Testing
import TestSupport

/// `herald doctor` against the real PostgreSQL and Redis of deploy/test.sh. Serialized: one test changes the Redis
/// server's `maxmemory-policy`, which every other test here reads.
@Suite(.serialized)
struct DoctorCommandTests {
    /// A migrated database with one finished run, its data folder and its environment.
    struct Deployment {
        let databaseURL: String
        let environment: [String: String]
        let connection: PostgresConnection
        let executionID: UUID
        var dataDirectory: String { environment["HERALD_DATA_DIR"]! }

        init() throws {
            databaseURL = try TestDatabase.create()
            environment = try HeraldCommandTests.environment(databaseURL: databaseURL)
            let migrate = try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment)
            #expect(migrate.status == 0, "\(migrate.output)")
            connection = try PostgresConnection(url: databaseURL)
            let source = try connection.query("INSERT INTO data_sources (name, url_encrypted) VALUES ('s', '\\x00'::bytea) RETURNING id")[0]
                .decode("id", as: UUID.self)
            let report = try connection.query("INSERT INTO reports (name, data_source_id, sql) VALUES ('r', \(source), 'SELECT 1') RETURNING id")[0]
                .decode("id", as: UUID.self)
            let schedule = try connection.query("""
                INSERT INTO schedules (report_id, recurrence, cron, time_zone) VALUES (\(report), '{}', '0 7 * * *', 'UTC') RETURNING id
                """)[0].decode("id", as: UUID.self)
            executionID = try Self.addExecution(connection, schedule: schedule, report: report, status: "succeeded", slot: 1_800_000_000)
        }

        static func addExecution(_ connection: PostgresConnection, schedule: UUID, report: UUID, status: String, slot: Double) throws -> UUID {
            try connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, status)
                VALUES (\(schedule), \(report), \(Date(timeIntervalSince1970: slot)), \(status)) RETURNING id
                """)[0].decode("id", as: UUID.self)
        }

        /// `artifacts/2027/01/15/<execution>-<token>.<format>`, as the scheduler names its files.
        func path(_ execution: UUID, _ token: String, _ format: String) -> String {
            "artifacts/2027/01/15/\(execution.uuidString.lowercased())-\(token).\(format)"
        }

        /// Writes a file under the data folder, last modified `age` seconds ago.
        func writeFile(_ relative: String, bytes: Int = 5, age: TimeInterval) throws {
            let full = dataDirectory + "/" + relative
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(repeating: 65, count: bytes).write(to: URL(fileURLWithPath: full))
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: full)
        }

        func recordArtifact(_ relative: String, execution: UUID, bytes: Int = 5) throws {
            try connection.execute("""
                INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
                VALUES (\(execution), 'csv', 'r.csv', \(relative), \(bytes), '\\x00'::bytea)
                """)
        }

        func doctor(_ overrides: [String: String] = [:]) throws -> (status: Int32, output: String, checks: [String: Check]) {
            let env = environment.merging(overrides) { $1 }
            let json = try runCommand(HeraldCommandTests.herald, ["doctor", "--json"], environment: env, timeout: 60)
            let report = try JSONDecoder().decode(Report.self, from: Data(json.output.utf8))
            let text = try runCommand(HeraldCommandTests.herald, ["doctor"], environment: env, timeout: 60)
            #expect(text.status == json.status, "\(text.output)")
            return (json.status, text.output, Dictionary(report.checks.map { ($0.name, $0) }) { a, _ in a })
        }
    }

    struct Report: Decodable {
        let status: String
        let checks: [Check]
    }

    struct Check: Decodable {
        let name: String
        let status: String
        let message: String
        let items: [String]
        let item_total: Int
    }

    static let everyCheck = ["configuration", "postgresql", "migrations", "clock", "redis", "redis eviction", "data folder",
                             "free space", "artifact rows", "artifact files"]

    @Test func aHealthyDeploymentIsAllOkAndExitsZero() throws {
        let deployment = try Deployment()
        let kept = deployment.path(deployment.executionID, "a1", "csv")
        try deployment.writeFile(kept, age: 3600)
        try deployment.recordArtifact(kept, execution: deployment.executionID)
        let password = "doctor-pw-\(UUID().uuidString.prefix(8))"
        let (status, output, checks) = try deployment.doctor(["HERALD_DATABASE_URL": deployment.databaseURL + "?password=\(password)"])
        #expect(status == 0, "\(output)")
        #expect(Set(checks.keys) == Set(Self.everyCheck))
        for (name, check) in checks { #expect(check.status == "ok", "\(name): \(check.message)") }
        #expect(checks["artifact rows"]?.message.contains("all 1 rows") == true)
        #expect(output.split(separator: "\n").count == Self.everyCheck.count, "one line per check: \(output)")
        #expect(output.contains("ok      postgresql: "))
        #expect(!output.contains(password), "the database password leaked: \(output)")
    }

    @Test func aMissingFileAndAnOldOrphanAreReportedByPathButFreshOrRunningFilesAreNot() throws {
        let deployment = try Deployment()
        let missing = deployment.path(deployment.executionID, "b1", "csv")
        try deployment.recordArtifact(missing, execution: deployment.executionID)
        let wrongSize = deployment.path(deployment.executionID, "b2", "csv")
        try deployment.writeFile(wrongSize, bytes: 3, age: 3600)
        try deployment.recordArtifact(wrongSize, execution: deployment.executionID, bytes: 5)
        let orphan = deployment.path(deployment.executionID, "b3", "pdf")
        try deployment.writeFile(orphan, age: 3600)
        let fresh = deployment.path(deployment.executionID, "b4", "pdf")
        try deployment.writeFile(fresh, age: 0)
        // A long PDF rendering leaves its file untouched while it spools rows: its run is what says it is in flight.
        let ids = try deployment.connection.query("SELECT schedule_id, report_id FROM executions")[0]
        let running = try Deployment.addExecution(deployment.connection, schedule: ids.decode("schedule_id"), report: ids.decode("report_id"), status: "running",
                                                  slot: 1_800_086_400)
        let rendering = deployment.path(running, "c1", "pdf")
        try deployment.writeFile(rendering, age: 3600)

        let (status, output, checks) = try deployment.doctor()
        #expect(status == 1, "\(output)")
        let rows = try #require(checks["artifact rows"])
        #expect(rows.status == "failed")
        #expect(rows.item_total == 2)
        #expect(rows.items.contains { $0.hasPrefix(missing) && $0.hasSuffix("missing") }, "\(rows.items)")
        #expect(rows.items.contains { $0.hasPrefix(wrongSize) && $0.contains("3 bytes, 5 recorded") }, "\(rows.items)")
        let files = try #require(checks["artifact files"])
        #expect(files.status == "failed")
        #expect(files.items == [orphan])
        #expect(files.message.contains("2 not judged"), "\(files.message)")
        #expect(output.contains("\n        \(orphan)\n"), "the orphan indented under its check: \(output)")
        #expect(!output.contains(fresh))
        #expect(!output.contains(rendering))
    }

    @Test func aDataFolderThatIsAFileOrMissingFails() throws {
        let deployment = try Deployment()
        let file = NSTemporaryDirectory() + "herald-doctor-file-" + UUID().uuidString.prefix(8)
        try Data().write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        for path in [file, file + "-missing"] {
            let (status, output, checks) = try deployment.doctor(["HERALD_DATA_DIR": path])
            #expect(status == 1, "\(output)")
            #expect(checks["data folder"]?.status == "failed", "\(output)")
            #expect(checks["data folder"]?.message.contains(path) == true)
            #expect(checks["artifact files"] == nil, "no artifact walk without a folder")
        }
    }

    @Test func aPendingMigrationFailsAndAnUnknownOneWarns() throws {
        let deployment = try Deployment()
        let newest = try deployment.connection.query("""
            DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING version, name
            """)[0]
        let pending = try deployment.doctor()
        #expect(pending.status == 1, "\(pending.output)")
        #expect(pending.checks["migrations"]?.status == "failed")
        #expect(pending.checks["migrations"]?.message.contains("herald migrate") == true)
        #expect(pending.checks["migrations"]?.items.count == 1)

        // Put the row back rather than migrate again: its SQL has already run.
        try deployment.connection.execute("""
            INSERT INTO schema_migrations (version, name) VALUES (\(try newest.decode("version", as: Int.self)), \(try newest.decode("name", as: String.self)))
            """)
        try deployment.connection.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')")
        let unknown = try deployment.doctor()
        #expect(unknown.status == 0, "\(unknown.output)")
        #expect(unknown.checks["migrations"]?.status == "warning")
        #expect(unknown.checks["migrations"]?.items == ["9999"])
    }

    @Test func anEvictingRedisPolicyIsAWarning() throws {
        let deployment = try Deployment()
        let redis = try RedisConnection(url: try TestEnvironment.redisURL())
        let before = try #require(redis.command("CONFIG", "GET", "maxmemory-policy").array?.last?.string)
        try redis.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        defer { _ = try? redis.command("CONFIG", "SET", "maxmemory-policy", RedisArgument(before)) }
        let (status, output, checks) = try deployment.doctor()
        #expect(status == 0, "warnings alone exit 0: \(output)")
        #expect(checks["redis eviction"]?.status == "warning")
        #expect(checks["redis eviction"]?.message.contains("allkeys-lru") == true)
        #expect(output.contains("warning redis eviction: "), "\(output)")
    }

    @Test func unreachableServersFailWithoutShowingThePassword() throws {
        let deployment = try Deployment()
        let password = "doctor-pw-\(UUID().uuidString.prefix(8))"
        let (status, output, checks) = try deployment.doctor([
            "HERALD_DATABASE_URL": "postgresql://herald:\(password)@127.0.0.1:\(freeLoopbackPort())/none",
            "HERALD_REDIS_URL": "redis://:\(password)@127.0.0.1:\(freeLoopbackPort())",
        ])
        #expect(status == 1, "\(output)")
        #expect(checks["postgresql"]?.status == "failed")
        #expect(checks["redis"]?.status == "failed")
        #expect(checks["migrations"] == nil && checks["redis eviction"] == nil)
        #expect(!output.contains(password), "\(output)")
    }

    @Test func aBadSettingFailsNamingTheKey() throws {
        let deployment = try Deployment()
        let (status, output, checks) = try deployment.doctor(["HERALD_LOG_LEVEL": "loud"])
        #expect(status == 1)
        #expect(checks["configuration"]?.status == "failed")
        #expect(output.contains("HERALD_LOG_LEVEL"))
    }
}
