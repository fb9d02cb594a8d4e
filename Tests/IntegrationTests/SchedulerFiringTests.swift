import Foundation
import HeraldCore
import Postgres
import Redis
import Testing
import TestSupport

/// `herald scheduler` fires due schedules into PostgreSQL and onto the Redis stream.
@Suite(.serialized)
struct SchedulerFiringTests {
    static func prepare() throws -> (url: String, connection: PostgresConnection, report: UUID) {
        let url = try TestDatabase.create()
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: try HeraldCommandTests.environment(databaseURL: url)).status == 0)
        let connection = try PostgresConnection(url: url)
        let source: UUID = try connection.query("INSERT INTO data_sources (name, url_encrypted) VALUES ('w', '\\x00'::bytea) RETURNING id")[0].decode("id")
        let report: UUID = try connection.query("INSERT INTO reports (name, data_source_id, sql) VALUES ('r', \(source), 'SELECT 1') RETURNING id")[0].decode("id")
        return (url, connection, report)
    }

    /// A schedule whose next slot is the current minute, due `delay` seconds from now.
    static func insertDue(_ connection: PostgresConnection, report: UUID, delay: Double) throws -> UUID {
        let recurrence = try String(decoding: JSONEncoder().encode(Recurrence(kind: .everyMinutes, timeZone: "UTC", interval: 1)), as: UTF8.self)
        let id: UUID = try connection.query("""
            INSERT INTO schedules (report_id, recurrence, cron, time_zone, next_slot_at, next_run_at)
            VALUES (\(report), \(recurrence)::jsonb, '* * * * *', 'UTC', date_trunc('minute', now()), now() + make_interval(secs => \(delay)))
            RETURNING id
            """)[0].decode("id")
        try connection.notify("herald_schedules", payload: id.uuidString)
        return id
    }

    static func onStream(_ execution: UUID, redisURL: String) throws -> Bool {
        let redis = try RedisConnection(url: redisURL)
        let entries = try (0...9).flatMap { try redis.command("XREVRANGE", .string("herald:executions:\($0)"), "+", "-", "COUNT", "5000").array ?? [] }
        return entries.contains { entry in
            (entry.array?.last?.array ?? []).contains { $0.string == execution.uuidString.lowercased() }
        }
    }

    @Test func firesADueScheduleAndWakesOnNotify() throws {
        let (url, connection, report) = try Self.prepare()
        // Firing only: with no workers the execution stays on the stream for the test to see.
        var environment = try HeraldCommandTests.environment(databaseURL: url)
        environment["HERALD_WORKERS"] = "0"
        let scheduler = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        defer { scheduler.stop() }
        usleep(1_000_000)   // asleep: nothing is due
        let schedule = try Self.insertDue(connection, report: report, delay: 1)
        var execution: PostgresRow?
        for _ in 0..<60 where execution == nil {
            execution = try connection.query("""
                SELECT id, enqueued_at, lateness_ms FROM executions WHERE schedule_id = \(schedule) AND enqueued_at IS NOT NULL
                """).first
            if execution == nil { usleep(100_000) }
        }
        let row = try #require(execution, "no execution was fired: \(scheduler.output)")
        #expect(try Self.onStream(try row.decode("id"), redisURL: environment["HERALD_REDIS_URL"]!))
        #expect(try row.decode("lateness_ms", as: Double?.self) != nil)
        let next: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(schedule)")[0].decode("next_slot_at")
        #expect(next > Date().addingTimeInterval(-1))
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0)
    }

    @Test func firesWhileRedisIsDownAndEnqueuesLater() throws {
        let (url, connection, report) = try Self.prepare()
        var environment = try HeraldCommandTests.environment(databaseURL: url, redisURL: "redis://127.0.0.1:\(freeLoopbackPort())")
        let schedule = try Self.insertDue(connection, report: report, delay: 0)
        let scheduler = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        var fired = false
        for _ in 0..<50 where !fired {
            fired = try connection.query("SELECT 1 FROM executions WHERE schedule_id = \(schedule)").count == 1
            if !fired { usleep(100_000) }
        }
        #expect(fired, "PostgreSQL did not get the execution while Redis was down: \(scheduler.output)")
        #expect(try connection.query("SELECT 1 FROM executions WHERE schedule_id = \(schedule) AND enqueued_at IS NULL").count == 1)
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0)
        // Redis back: a scheduler enqueues what waited (the reconciler takes rows older than 30 s; age this one).
        try connection.execute("UPDATE executions SET created_at = now() - interval '1 minute' WHERE schedule_id = \(schedule)")
        environment["HERALD_REDIS_URL"] = try TestEnvironment.isolatedRedisURL()
        environment["HERALD_WORKERS"] = "0"
        let second = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        defer { second.stop() }
        var enqueued: UUID?
        for _ in 0..<50 where enqueued == nil {
            enqueued = try connection.query("SELECT id FROM executions WHERE schedule_id = \(schedule) AND enqueued_at IS NOT NULL").first?.decode("id")
            if enqueued == nil { usleep(100_000) }
        }
        let id = try #require(enqueued, "\(second.output)")
        #expect(try Self.onStream(id, redisURL: environment["HERALD_REDIS_URL"]!))
    }
}

/// The operator CLI for data sources, reports and schedules.
struct CatalogCommandTests {
    @Test func operatorsBuildAScheduleFromTheCommandLine() throws {
        let url = try TestDatabase.create()
        var env = try HeraldCommandTests.environment(databaseURL: url)
        func herald(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try runCommand(HeraldCommandTests.herald, arguments, environment: env)
        }
        #expect(try herald(["migrate"]).status == 0)
        let source = try herald(["datasource", "add", "--name", "warehouse", "--url", "postgresql://reader:s3cret@127.0.0.1/shop"])
        #expect(source.status == 0, "\(source.output)")
        let sourceID = source.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let stored = try PostgresConnection(url: url).query("SELECT encode(url_encrypted, 'escape') AS raw FROM data_sources")[0]
        #expect(try !stored.decode("raw", as: String.self).contains("s3cret"))
        #expect(try herald(["datasource", "add", "--name", "warehouse", "--url", "postgresql://x@y/z"]).status == 2)

        let report = try herald(["report", "add", "--name", "Sales", "--datasource", sourceID, "--sql", "SELECT 1 AS one"])
        #expect(report.status == 0, "\(report.output)")
        let reportID = report.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let schedule = try herald(["schedule", "add", "--report", reportID, "--cron", "0 7 * * 1-5", "--tz", "Europe/Berlin",
                                   "--folder", "/tmp/herald-reports"])
        #expect(schedule.status == 0, "\(schedule.output)")
        let scheduleID = schedule.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let tooOften = try herald(["schedule", "add", "--report", reportID, "--cron", "*/30 * * * *", "--tz", "UTC", "--folder", "/tmp/x"])
        #expect(tooOften.status == 2)
        #expect(tooOften.output.contains("minimum interval"))
        env["HERALD_MIN_INTERVAL"] = "60"
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "* * * * *", "--tz", "UTC", "--folder", "/tmp/x"]).status == 0)
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 25 * * *", "--tz", "UTC", "--folder", "/tmp/x"]).output.contains("hour: 25"))
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 7 * * *", "--tz", "Mars/Base", "--folder", "/tmp/x"]).status == 2)
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 7 * * *", "--tz", "UTC", "--folder", "relative"]).status == 2)

        #expect(try herald(["schedule", "list"]).output.contains("\(scheduleID)  active  0 7 * * 1-5  Europe/Berlin  next "))
        #expect(try herald(["schedule", "pause", scheduleID]).status == 0)
        #expect(try herald(["schedule", "list"]).output.contains("\(scheduleID)  paused  0 7 * * 1-5  Europe/Berlin  next -"))
        #expect(try herald(["schedule", "resume", scheduleID]).status == 0)
        #expect(try herald(["schedule", "list"]).output.contains("\(scheduleID)  active"))
        #expect(try herald(["schedule", "delete", scheduleID]).status == 0)
        #expect(try !herald(["schedule", "list"]).output.contains(scheduleID))
        #expect(try herald(["schedule", "delete", scheduleID]).status == 2)
    }
}
