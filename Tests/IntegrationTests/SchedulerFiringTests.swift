import Foundation
import HeraldQueue
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

    /// Polls `condition` every 20 ms for up to `timeout` seconds.
    static func waitFor(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    /// A scheduler with nothing due, asleep after its first round: its first heartbeat is in Redis and its session
    /// sits idle after the round's last statement (the earliest due time). It sleeps until the next heartbeat,
    /// `SchedulerProcess.beatInterval` (5 s) after the first, unless a NOTIFY wakes it. Returns when it beat.
    static func asleepScheduler(_ environment: [String: String], _ connection: PostgresConnection) throws -> (ChildProcess, Date) {
        let scheduler = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        let redis = try RedisConnection(url: environment["HERALD_REDIS_URL"]!)
        var beat: Date?
        let asleep = try waitFor(10) {
            let entries = try redis.command("ZRANGE", "herald:heartbeats", "0", "-1", "WITHSCORES").array ?? []
            beat = entries.count >= 2 ? Double(entries[1].string ?? "").map { Date(timeIntervalSince1970: $0 / 1000) } : nil
            return try beat != nil && !connection.query("""
                SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'idle' AND query LIKE 'SELECT min(next_run_at) AS due FROM schedules%'
                """).isEmpty
        }
        #expect(asleep, "the scheduler did not go to sleep: \(scheduler.output)")
        return (scheduler, try #require(beat, "the scheduler never beat: \(scheduler.output)"))
    }

    @Test func firesADueScheduleAndWakesOnNotify() throws {
        let (url, connection, report) = try Self.prepare()
        // Firing only: with no workers the execution stays on the stream for the test to see.
        var environment = try HeraldCommandTests.environment(databaseURL: url)
        environment["HERALD_WORKERS"] = "0"
        let (scheduler, beat) = try Self.asleepScheduler(environment, connection)
        defer { scheduler.stop() }
        let inserted = Date()
        let schedule = try Self.insertDue(connection, report: report, delay: 0.5)
        var execution: PostgresRow?
        _ = try Self.waitFor(10) {
            execution = try connection.query("""
                SELECT id, enqueued_at, lateness_ms FROM executions WHERE schedule_id = \(schedule) AND enqueued_at IS NOT NULL
                """).first
            return execution != nil
        }
        let row = try #require(execution, "no execution was fired: \(scheduler.output)")
        // Woken by the NOTIFY: on the stream about half a second after the insert, long before the heartbeat
        // (5 s after the first) would have woken the loop.
        let enqueued: Date = try row.decode("enqueued_at")
        #expect(enqueued.timeIntervalSince(inserted) < 2, "enqueued \(enqueued.timeIntervalSince(inserted)) s after the insert")
        #expect(enqueued.timeIntervalSince(beat) < 4, "enqueued \(enqueued.timeIntervalSince(beat)) s after the first heartbeat")
        #expect(try Self.onStream(try row.decode("id"), redisURL: environment["HERALD_REDIS_URL"]!))
        #expect(try row.decode("lateness_ms", as: Double?.self) != nil)
        let next: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(schedule)")[0].decode("next_slot_at")
        #expect(next > Date().addingTimeInterval(-1))
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0)
    }

    /// The control for the test above: without the NOTIFY the same schedule waits for the heartbeat, so the
    /// bound there really tells a NOTIFY wake-up from a heartbeat one.
    @Test func withoutNotifyASleepingSchedulerFindsTheScheduleOnlyAtItsHeartbeat() throws {
        let (url, connection, report) = try Self.prepare()
        var environment = try HeraldCommandTests.environment(databaseURL: url)
        environment["HERALD_WORKERS"] = "0"
        let (scheduler, beat) = try Self.asleepScheduler(environment, connection)
        defer { scheduler.stop() }
        let recurrence = try String(decoding: JSONEncoder().encode(Recurrence(kind: .everyMinutes, timeZone: "UTC", interval: 1)), as: UTF8.self)
        let schedule: UUID = try connection.query("""
            INSERT INTO schedules (report_id, recurrence, cron, time_zone, next_slot_at, next_run_at)
            VALUES (\(report), \(recurrence)::jsonb, '* * * * *', 'UTC', date_trunc('minute', now()), now() + interval '0.5 seconds')
            RETURNING id
            """)[0].decode("id")
        // (Near a minute's end the next slot is within the 5 s horizon too: one row or two.)
        let fired = { try !connection.query("SELECT 1 FROM executions WHERE schedule_id = \(schedule)").isEmpty }
        // Not fired while the loop sleeps (checked until 1 s before its next heartbeat) ...
        let quiet = beat.addingTimeInterval(4).timeIntervalSinceNow
        #expect(quiet > 2, "the test started too late after the heartbeat")
        #expect(try !Self.waitFor(quiet, fired), "fired without a NOTIFY before the heartbeat: does the loop poll?")
        // ... and fired once the heartbeat wakes it.
        #expect(try Self.waitFor(5, fired), "beat at \(beat), now \(Date()): \(scheduler.output)")
    }

    @Test func aPoisonScheduleAmongAHundredIsMarkedBrokenAndTheOthersFire() throws {
        let (url, connection, report) = try Self.prepare()
        let owner: UUID = try connection.query("""
            INSERT INTO users (email, role, password_hash) VALUES ('owner@example.org', 'creator', 'x') RETURNING id
            """)[0].decode("id")
        // Due first, so it heads the batch the loop claims.
        let poison: UUID = try connection.query("""
            INSERT INTO schedules (report_id, name, recurrence, cron, time_zone, owner_id, next_slot_at, next_run_at)
            VALUES (\(report), 'poison', '{"kind": "custom", "time_zone": "Mars/Olympus_Mons", "cron": "* * * * *"}', '* * * * *',
                    'Mars/Olympus_Mons', \(owner), date_trunc('minute', now()), now() - interval '1 second')
            RETURNING id
            """)[0].decode("id")
        let good = try (0..<100).map { _ in try Self.insertDue(connection, report: report, delay: 0) }
        var environment = try HeraldCommandTests.environment(databaseURL: url)
        environment["HERALD_WORKERS"] = "0"
        let scheduler = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        defer { scheduler.stop() }
        let allFired = try Self.waitFor(20) {
            try connection.query("""
                SELECT count(DISTINCT schedule_id) AS n FROM executions WHERE schedule_id = ANY(\(good)::uuid[]) AND enqueued_at IS NOT NULL
                """)[0].decode("n", as: Int.self) == 100
        }
        #expect(allFired, "\(scheduler.output)")
        let row = try connection.query("SELECT next_run_at, broken_reason FROM schedules WHERE id = \(poison)")[0]
        #expect(try row.isNull("next_run_at"))
        #expect(try row.decode("broken_reason", as: String?.self)?.contains("Mars/Olympus_Mons") == true)
        #expect(try connection.query("SELECT 1 FROM notifications WHERE user_id = \(owner) AND kind = 'schedule.broken'").count == 1)
        #expect(try connection.query("SELECT 1 FROM executions WHERE schedule_id = \(poison)").isEmpty)
        let listed = try runCommand(HeraldCommandTests.herald, ["schedule", "list"], environment: environment)
        let line = listed.output.split(separator: "\n").first { $0.hasPrefix(poison.uuidString.lowercased()) }
        #expect(line?.contains("  broken  ") == true && line?.contains("Mars/Olympus_Mons") == true, "\(listed.output)")
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0)
        // The loop never took the broken schedule for a database failure.
        #expect(!scheduler.output.contains("cannot reach PostgreSQL") && !scheduler.output.contains("refused"), "\(scheduler.output)")
        #expect(scheduler.output.contains("schedule is broken"), "\(scheduler.output)")
    }

    @Test func firesWhileRedisIsDownAndEnqueuesLater() throws {
        let (url, connection, report) = try Self.prepare()
        var environment = try HeraldCommandTests.environment(databaseURL: url, redisURL: "redis://127.0.0.1:\(freeLoopbackPort())")
        let schedule = try Self.insertDue(connection, report: report, delay: 0)
        let scheduler = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        let fired = try Self.waitFor(5) { try !connection.query("SELECT 1 FROM executions WHERE schedule_id = \(schedule)").isEmpty }
        #expect(fired, "PostgreSQL did not get the execution while Redis was down: \(scheduler.output)")
        #expect(try connection.query("SELECT 1 FROM executions WHERE schedule_id = \(schedule) AND enqueued_at IS NOT NULL").isEmpty)
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0)
        // Redis back: a scheduler enqueues what waited (the reconciler takes rows older than 30 s; age this one).
        try connection.execute("UPDATE executions SET created_at = now() - interval '1 minute' WHERE schedule_id = \(schedule)")
        environment["HERALD_REDIS_URL"] = try TestEnvironment.isolatedRedisURL()
        environment["HERALD_WORKERS"] = "0"
        let second = try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
        defer { second.stop() }
        var enqueued: UUID?
        _ = try Self.waitFor(10) {
            enqueued = try connection.query("SELECT id FROM executions WHERE schedule_id = \(schedule) AND enqueued_at IS NOT NULL").first?.decode("id")
            return enqueued != nil
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
                                   "--folder", "herald-reports"])
        #expect(schedule.status == 0, "\(schedule.output)")
        let scheduleID = schedule.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let tooOften = try herald(["schedule", "add", "--report", reportID, "--cron", "*/30 * * * *", "--tz", "UTC", "--folder", "x"])
        #expect(tooOften.status == 2)
        #expect(tooOften.output.contains("minimum interval"))
        env["HERALD_MIN_INTERVAL"] = "60"
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "* * * * *", "--tz", "UTC", "--folder", "x"]).status == 0)
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 25 * * *", "--tz", "UTC", "--folder", "x"]).output.contains("hour: 25"))
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 7 * * *", "--tz", "Mars/Base", "--folder", "x"]).status == 2)
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 7 * * *", "--tz", "UTC", "--folder", "/tmp/x"]).status == 2)
        #expect(try herald(["schedule", "add", "--report", reportID, "--cron", "0 7 * * *", "--tz", "UTC", "--folder", "a/../../x"]).output
            .contains("inside the delivery root"))
        // Each refused schedule took its folder destination with it: two schedules, two destinations.
        let counts = try PostgresConnection(url: url).query("""
            SELECT (SELECT count(*) FROM schedules)::int AS schedules, (SELECT count(*) FROM destinations)::int AS destinations
            """)[0]
        #expect(try counts.decode("schedules", as: Int.self) == 2)
        #expect(try counts.decode("destinations", as: Int.self) == 2)

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
