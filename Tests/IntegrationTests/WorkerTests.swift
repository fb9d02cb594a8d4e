import Foundation
import HeraldCore
import Postgres
import Redis
import Testing
import TestSupport

/// A database, a Redis database of its own, a data source (the test database itself), a report and a folder
/// destination, and the environment to start `herald scheduler` processes on them.
struct WorkerFixture {
    let url: String
    let store: PostgresConnection
    let source: UUID
    let report: UUID
    /// The delivery root every fixture shares (`HERALD_DELIVERY_ROOT`), and this fixture's sub-folder in it.
    static let deliveryRoot = (NSTemporaryDirectory() as NSString).standardizingPath
    let folderName: String
    let folder: String
    let destination: UUID
    var environment: [String: String]
    /// The database the reports run on (advisory locks a report takes live there, not in Herald's).
    let reportingURL: String

    init(sql: String, workers: Int = 4, lease: Double = 2, extra: [String: String] = [:], databaseURL: String? = nil) throws {
        url = try databaseURL ?? TestDatabase.create()
        environment = try HeraldCommandTests.environment(databaseURL: url, redisURL: try TestEnvironment.isolatedRedisURL())
        environment["HERALD_WORKERS"] = String(workers)
        environment["HERALD_LEASE_SECONDS"] = String(lease)
        // Retries wait "forever" unless a test moves their time forward (tests set times; they do not sleep for minutes).
        environment["HERALD_RETRY_BASE_SECONDS"] = "80000"
        environment["HERALD_LOG_LEVEL"] = "info"
        environment["HERALD_DELIVERY_ROOT"] = Self.deliveryRoot
        environment.merge(extra) { $1 }
        let migrate = try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment)
        guard migrate.status == 0 else { throw FixtureError("migrate failed: \(migrate.output)") }
        // The reports run on a database of their own: a data source that can read Herald's tables is refused.
        reportingURL = try TestDatabase.create()
        let added = try runCommand(HeraldCommandTests.herald, ["datasource", "add", "--name", "reporting", "--url", reportingURL], environment: environment)
        guard added.status == 0, let sourceID = UUID(uuidString: added.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw FixtureError("datasource add failed: \(added.output)")
        }
        source = sourceID
        store = try PostgresConnection(url: url)
        report = try store.query("INSERT INTO reports (name, data_source_id, sql) VALUES ('Probe', \(source), \(sql)) RETURNING id")[0].decode("id")
        folderName = "herald-worker-\(UUID().uuidString.prefix(8))"
        folder = Self.deliveryRoot + "/" + folderName
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        destination = try store.query("""
            INSERT INTO destinations (name, kind, settings)
            VALUES ('out', 'folder', jsonb_build_object('path', \(folderName)::text, 'filename', '{execution_id}.{format}'))
            RETURNING id
            """)[0].decode("id")
    }

    /// `count` schedules (a yearly cron, so each fires just the slot set here) whose slot `slotSQL` is due now,
    /// delivering to `destinations` (the fixture's folder unless given), or nowhere without `deliver`.
    @discardableResult
    func addSchedules(_ count: Int, slotSQL: String = "date_trunc('second', now()) - interval '1 second'", cron: String = "0 0 1 1 *",
                      misfire: String = "run_once", overlap: String = "allow", deliver: Bool = true, owner: UUID? = nil,
                      report: UUID? = nil, destinations: [UUID]? = nil) throws -> [UUID] {
        let targets = deliver ? destinations ?? [destination] : []
        let recurrence = try String(decoding: JSONEncoder().encode(Recurrence(kind: .custom, timeZone: "UTC", cron: cron)), as: UTF8.self)
        let slot: Date = try store.query(PostgresQuery(unsafeSQL: "SELECT \(slotSQL) AS slot"))[0].decode("slot")
        let ids: [UUID] = try store.query("""
            INSERT INTO schedules (report_id, recurrence, cron, time_zone, next_slot_at, next_run_at, misfire_policy, overlap_policy,
                                   destination_ids, owner_id)
            SELECT \(report ?? self.report), \(recurrence)::jsonb, \(cron), 'UTC', \(slot), \(slot),
                   \(misfire), \(overlap), \(targets)::uuid[], \(owner)
            FROM generate_series(1, \(count))
            RETURNING id
            """).map { try $0.decode("id") }
        try store.notify("herald_schedules", payload: "test")
        return ids
    }

    func scheduler(_ extra: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment.merging(extra) { $1 })
    }

    func herald(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runCommand(HeraldCommandTests.herald, arguments, environment: environment)
    }

    func count(_ sql: String) throws -> Int {
        try store.query(PostgresQuery(unsafeSQL: "SELECT (\(sql))::int AS n"))[0].decode("n")
    }

    /// Files delivered under the folder (temporary `.part` files excluded).
    func deliveredFiles() -> [String] {
        let all = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []
        return all.filter { $0.hasSuffix(".csv") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
    }

    /// Moves every waiting retry's time to now and wakes the schedulers: the test's stand-in for the backoff passing.
    func retryNow() throws {
        try store.execute("UPDATE deliveries SET next_attempt_at = now() WHERE status IN ('pending', 'failed')")
        try store.execute("UPDATE executions SET not_before = now() WHERE status = 'queued' AND not_before IS NOT NULL")
        try store.notify("herald_schedules", payload: "test")
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 50 ms for up to `timeout` seconds.
func waitUntil(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}

/// The acceptance tests of the scheduler's workers, with `herald scheduler` processes against real PostgreSQL and
/// Redis: crashes, two schedulers, Redis losing its data, retries, dead letters, overlap, drain.
@Suite(.serialized)
struct WorkerTests {
    @Test func twoSchedulersRunAThousandDueSchedulesExactlyOnce() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        try fixture.addSchedules(1000, deliver: false)
        let first = try fixture.scheduler()
        let second = try fixture.scheduler()
        defer { first.stop(); second.stop() }
        let done = try waitUntil(90) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1000 }
        let succeeded = try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'")
        #expect(done, "\(succeeded) of 1000 succeeded\n\(first.output.suffix(2000))")
        #expect(try fixture.count("SELECT count(*) FROM executions") == 1000)
        #expect(try fixture.count("SELECT count(DISTINCT schedule_id) FROM executions") == 1000)
        #expect(try fixture.count("SELECT max(attempts) FROM executions") == 1)
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE lateness_ms IS NULL") == 0)
    }

    @Test func killNineBetweenClaimAndCommitLosesAndDuplicatesNothing() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        let slot: Date = try fixture.store.query("SELECT date_trunc('second', now()) - interval '1 second' AS slot")[0].decode("slot")
        let schedules = try fixture.addSchedules(20, slotSQL: "'\(UTCInstant.format(Int64(slot.timeIntervalSince1970)))'::timestamptz",
                                                 deliver: false)
        // An uncommitted row for one slot makes the scheduler's INSERT wait, mid-transaction, with every due schedule claimed.
        let blocker = try PostgresConnection(url: fixture.url)
        try blocker.execute("BEGIN")
        try blocker.execute("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, status) VALUES (\(schedules[7]), \(fixture.report), \(slot), 'skipped')
            """)
        let doomed = try fixture.scheduler()
        defer { doomed.stop() }
        // Waiting on a lock in this test's database (pg_locks is cluster-wide; other tests may be waiting too).
        let stuck = try waitUntil(20) {
            try fixture.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0
        }
        #expect(stuck, "the scheduler never reached the blocked INSERT: \(doomed.output)")
        doomed.signal(SIGKILL)
        _ = doomed.wait(timeout: 10)
        try blocker.execute("ROLLBACK")
        #expect(try fixture.count("SELECT count(*) FROM executions") == 0, "a transaction of the killed scheduler committed")

        let restarted = try fixture.scheduler()
        defer { restarted.stop() }
        let fired = try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 20 }
        #expect(fired, "\(restarted.output.suffix(2000))")
        #expect(try fixture.count("SELECT count(*) FROM executions") == 20)
        #expect(try fixture.count("SELECT count(DISTINCT (schedule_id, scheduled_for)) FROM executions") == 20)
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE scheduled_for <> '\(UTCInstant.format(Int64(slot.timeIntervalSince1970)))'") == 0)
    }

    @Test func aWorkerKilledMidReportIsReclaimedAndTheRunCompletesOnce() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(2)")
        try fixture.addSchedules(1)
        let doomed = try fixture.scheduler()
        defer { doomed.stop() }
        let running = try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'running' AND step = 'query'") == 1 }
        #expect(running, "\(doomed.output)")
        doomed.signal(SIGKILL)
        _ = doomed.wait(timeout: 10)

        let survivor = try fixture.scheduler()
        defer { survivor.stop() }
        let done = try waitUntil(40) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 }
        #expect(done, "\(survivor.output)")
        let row = try fixture.store.query("SELECT attempts, crashes FROM executions")[0]
        #expect(try row.decode("attempts", as: Int.self) == 2)
        #expect(try row.decode("crashes", as: Int.self) == 1)
        #expect(fixture.deliveredFiles().count == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 1") == 1)
    }

    @Test func redisLosingEverythingLosesNoExecutionAndRunsNoneTwice() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(0.02)", workers: 8)
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 8")
        try fixture.addSchedules(500)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        let started = try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") >= 40 }
        #expect(started, "\(scheduler.output.suffix(2000))")
        // This test's own Redis database: FLUSHDB is FLUSHALL for it, without touching tests running alongside.
        let redis = try RedisConnection(url: fixture.environment["HERALD_REDIS_URL"]!)
        try redis.command("FLUSHDB")
        let pending = try fixture.count("SELECT count(*) FROM executions WHERE status IN ('queued', 'running')")
        #expect(pending > 0, "everything finished before the flush; the test proved nothing")
        let done = try waitUntil(90) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 500 }
        let succeeded = try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'")
        #expect(done, "\(succeeded) of 500\n\(scheduler.output.suffix(2000))")
        #expect(try fixture.count("SELECT max(attempts) FROM executions") == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 1") == 500)
        #expect(fixture.deliveredFiles().count == 500)
    }

    @Test func aRedisKilledUnderWorkersHoldingDeliveredRunsMakesNoneRunTwice() throws {
        // A Redis of its own, to kill: every worker's connection drops, most of them while a delivered run's end
        // waits to be recorded with the next claim (ScaleOutFaultTests saw those runs taken over and delivered again).
        let redis = try PrivateRedisServer()
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(0.02)", workers: 8, extra: ["HERALD_REDIS_URL": redis.url])
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 8")
        try fixture.addSchedules(400)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") >= 40 },
                "\(scheduler.output.suffix(2000))")
        redis.kill()
        try redis.start()
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE status IN ('queued', 'running')") > 0,
                "everything finished before Redis went; the test proved nothing")
        let done = try waitUntil(90) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 400 }
        let succeeded = try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'")
        #expect(done, "\(succeeded) of 400\n\(scheduler.output.suffix(2000))")
        #expect(try fixture.count("SELECT max(crashes) FROM executions") == 0, "runs were taken over after Redis went: \(scheduler.output.suffix(2000))")
        #expect(try fixture.count("SELECT max(attempts) FROM executions") == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 1") == 400)
    }

    @Test func aFolderRowFromBeforeTheDeliveryRootWithAnAbsolutePathIsRefusedForGood() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        // Rows made before folders became sub-folders of HERALD_DELIVERY_ROOT held absolute paths.
        try fixture.store.execute("UPDATE destinations SET settings = jsonb_set(settings, '{path}', to_jsonb(\(fixture.folder)::text))")
        try fixture.addSchedules(1)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'failed'") == 1 }, "\(scheduler.output)")
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE attempts = 1 AND last_error LIKE '%delivery root%'") == 1)
        #expect(fixture.deliveredFiles().isEmpty)
    }

    @Test func aDestinationThatFailsTwiceThenWorksIsRetriedOnlyItself() throws {
        let fixture = try WorkerFixture(sql: "SELECT n FROM generate_series(1, 3) n")
        try fixture.addSchedules(1)
        // A file where the year's folder should be: the folder channel refuses to deliver through it.
        let year: Int = try fixture.store.query("SELECT extract(year FROM now() AT TIME ZONE 'UTC')::int AS y")[0].decode("y")
        let obstacle = fixture.folder + "/\(year)"
        #expect(FileManager.default.createFile(atPath: obstacle, contents: Data("not a folder".utf8)))
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        func deliveryAttempts() throws -> Int { try fixture.count("SELECT coalesce(max(attempts), 0) FROM deliveries") }
        #expect(try waitUntil(20) { try deliveryAttempts() == 1 }, "\(scheduler.output)")
        #expect(try waitUntil(5) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'queued' AND not_before > now()") == 1 })
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'failed' AND last_error LIKE '%not a plain folder%'") == 1)
        try fixture.retryNow()
        #expect(try waitUntil(20) { try deliveryAttempts() == 2 }, "\(scheduler.output)")
        #expect(try waitUntil(5) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'queued'") == 1 })
        try FileManager.default.removeItem(atPath: obstacle)
        try fixture.retryNow()
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 }, "\(scheduler.output)")
        #expect(try fixture.count("SELECT count(*) FROM executions") == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 3") == 1)
        // The retries re-delivered the kept rendering; the report was queried once.
        #expect(try fixture.count("SELECT count(*) FROM artifacts") == 1)
        #expect(try fixture.count("SELECT row_count FROM executions") == 3)
        #expect(fixture.deliveredFiles().count == 1)
    }

    @Test func aReportThatCrashesEveryWorkerIsDeadLetteredAndCanBeRequeued() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        let owner: UUID = try fixture.store.query("""
            INSERT INTO users (email, role, password_hash) VALUES ('owner@example.org', 'creator', 'x') RETURNING id
            """)[0].decode("id")
        let schedule = try fixture.addSchedules(1, slotSQL: "now() + interval '1 year'", owner: owner)[0]
        // Two workers already died on this execution; its lease has run out and its stream entry is gone.
        let execution: UUID = try fixture.store.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, status, attempts, crashes, lease_owner, lease_expires_at, enqueued_at, started_at)
            VALUES (\(schedule), \(fixture.report), now() - interval '1 hour', 'running', 2, 2, 'scheduler:gone:1',
                    now() - interval '1 minute', now() - interval '1 hour', now() - interval '1 hour')
            RETURNING id
            """)[0].decode("id")
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        let dead = try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE dead_lettered_at IS NOT NULL AND status = 'failed'") == 1 }
        #expect(dead, "\(scheduler.output)")
        // The in-app notice is the owner alert's, written just after the run's end is recorded.
        #expect(try waitUntil(10) { try fixture.count("SELECT count(*) FROM notifications WHERE user_id = '\(owner)' AND execution_id = '\(execution)'") == 1 })
        #expect(fixture.deliveredFiles().isEmpty)
        let listed = try fixture.herald(["execution", "list", "--dead"])
        #expect(listed.output.contains(execution.uuidString.lowercased()))

        #expect(try fixture.herald(["execution", "requeue", execution.uuidString]).status == 0)
        let done = try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 }
        #expect(done, "\(scheduler.output)")
        #expect(try fixture.count("SELECT attempts FROM executions") == 1)
        #expect(fixture.deliveredFiles().count == 1)
        let again = try fixture.herald(["execution", "requeue", execution.uuidString])
        #expect(again.status == 2)
        #expect(again.output.contains("not a dead letter"))
    }

    @Test func overlapSkipRecordsTheSlotAsSkippedWithTheReason() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(3)")
        let schedule = try fixture.addSchedules(1, overlap: "skip")[0]
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'running'") == 1 }, "\(scheduler.output)")
        try fixture.store.execute("UPDATE schedules SET next_slot_at = date_trunc('second', now()), next_run_at = now() WHERE id = \(schedule)")
        try fixture.store.notify("herald_schedules", payload: "test")
        let skipped = try waitUntil(10) {
            try fixture.count("SELECT count(*) FROM executions WHERE status = 'skipped' AND skip_reason LIKE 'overlap: the previous run was still running%'") == 1
        }
        #expect(skipped, "\(scheduler.output)")
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 })
        #expect(fixture.deliveredFiles().count == 1)
    }

    @Test func sixHoursOfDowntimeCatchUpOnceWithRunOnceAndNotAtAllWithSkip() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        let start = "date_trunc('hour', now()) - interval '6 hours'"
        let runOnce = try fixture.addSchedules(1, slotSQL: start, cron: "0 * * * *", misfire: "run_once", deliver: false)[0]
        let skip = try fixture.addSchedules(1, slotSQL: start, cron: "0 * * * *", misfire: "skip", deliver: false)[0]
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        let caughtUp = try waitUntil(20) {
            try fixture.count("SELECT count(*) FROM schedules WHERE next_slot_at > now()") == 2
                && fixture.count("SELECT count(*) FROM executions WHERE status IN ('queued', 'running')") == 0
        }
        #expect(caughtUp, "\(scheduler.output)")
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE schedule_id = '\(runOnce)' AND trigger = 'catch_up'") == 1)
        #expect(try fixture.count("SELECT missed_count FROM executions WHERE schedule_id = '\(runOnce)' AND trigger = 'catch_up'") >= 5)
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE schedule_id = '\(skip)' AND scheduled_for < now() - interval '61 seconds'") == 0)
    }

    @Test func sigtermLetsInFlightWorkFinishAndHandsBackWhatCannot() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(1.5)")
        try fixture.addSchedules(1)
        let patient = try fixture.scheduler()
        defer { patient.stop() }
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'running'") == 1 }, "\(patient.output)")
        patient.signal(SIGTERM)
        #expect(patient.wait(timeout: 20) == 0, "\(patient.output)")
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1)

        // A deadline shorter than the report: the process still exits 0, and the execution goes back to the queue.
        try fixture.store.execute("UPDATE reports SET sql = 'SELECT 1 AS one FROM pg_sleep(4)'")
        let schedule = try fixture.addSchedules(1)[0]
        let hasty = try fixture.scheduler(["HERALD_DRAIN_SECONDS": "0.5"])
        defer { hasty.stop() }
        let running = try waitUntil(20) {
            try fixture.count("SELECT count(*) FROM executions WHERE schedule_id = '\(schedule)' AND status = 'running'") == 1
        }
        #expect(running, "\(hasty.output)")
        hasty.signal(SIGTERM)
        #expect(hasty.wait(timeout: 10) == 0, "\(hasty.output)")
        let handedBack = try fixture.count("SELECT count(*) FROM executions WHERE schedule_id = '\(schedule)' AND status = 'queued' AND lease_owner IS NULL")
        #expect(handedBack == 1, "\(hasty.output)")
        let next = try fixture.scheduler()
        defer { next.stop() }
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 2 }, "\(next.output)")
        // Handed back on drain: that attempt is not counted.
        #expect(try fixture.count("SELECT attempts FROM executions WHERE schedule_id = '\(schedule)'") == 1)
    }

    @Test func aTestRunDeliversOnlyToItsDestinationAndResendSendsOnlyWhatFailed() throws {
        let fixture = try WorkerFixture(sql: "SELECT 'ok' AS result", extra: ["HERALD_RETRY_ATTEMPTS": "1"])
        let schedule = try fixture.addSchedules(1, slotSQL: "now() + interval '1 year'")[0]
        let testFolder = fixture.folder + "-test"
        defer { try? FileManager.default.removeItem(atPath: testFolder) }
        let testDestination: UUID = try fixture.store.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('test', 'folder', jsonb_build_object('path', \(fixture.folderName + "-test")::text, 'filename', 'test.{format}'))
            RETURNING id
            """)[0].decode("id")
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }

        let test = try fixture.herald(["execution", "test", schedule.uuidString, "--destination", testDestination.uuidString])
        #expect(test.status == 0, "\(test.output)")
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE trigger = 'test' AND status = 'succeeded'") == 1 },
                "\(scheduler.output)")
        #expect(fixture.deliveredFiles().isEmpty, "a test run reached the schedule's real destination")
        #expect((FileManager.default.enumerator(atPath: testFolder)?.allObjects as? [String] ?? []).contains { $0.hasSuffix("test.csv") })

        // A run whose only delivery dies (one attempt allowed), then a re-send once the folder is fixed.
        let year: Int = try fixture.store.query("SELECT extract(year FROM now() AT TIME ZONE 'UTC')::int AS y")[0].decode("y")
        let obstacle = fixture.folder + "/\(year)"
        #expect(FileManager.default.createFile(atPath: obstacle, contents: Data()))
        let run = try fixture.herald(["execution", "run", schedule.uuidString])
        let execution = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE id = '\(execution)' AND status = 'failed'") == 1 },
                "\(scheduler.output)")
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE execution_id = '\(execution)' AND status = 'dead'") == 1)
        try FileManager.default.removeItem(atPath: obstacle)
        let resend = try fixture.herald(["execution", "resend", execution])
        #expect(resend.status == 0, "\(resend.output)")
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE id = '\(execution)' AND status = 'succeeded'") == 1 },
                "\(scheduler.output)")
        #expect(try fixture.count("SELECT count(*) FROM artifacts WHERE execution_id = '\(execution)'") == 1)
        #expect(fixture.deliveredFiles().count == 1)
        #expect(try fixture.herald(["execution", "resend", execution]).status == 2)
    }

    @Test func aDataSourceNeverRunsMoreQueriesAtOnceThanItsLimit() throws {
        // Each report counts the other report queries running while it sleeps, and writes that into its CSV.
        let probe = """
            SELECT (SELECT count(*) FROM pg_stat_activity
                    WHERE query LIKE '%concurrency-probe%' AND state = 'active' AND pid <> pg_backend_pid()) AS others
            FROM pg_sleep(0.3) /* concurrency-probe */
            """
        let fixture = try WorkerFixture(sql: probe, workers: 4)
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 1")
        try fixture.addSchedules(4)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 4 }, "\(scheduler.output)")
        let files = fixture.deliveredFiles()
        #expect(files.count == 4)
        for file in files {
            #expect(try String(contentsOfFile: fixture.folder + "/" + file, encoding: .utf8) == "others\r\n0\r\n")
        }
    }

    @Test func anUnreachableDataSourceIsRetriedThenFailsAndTellsTheOwner() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", extra: ["HERALD_RETRY_ATTEMPTS": "2", "HERALD_RETRY_BASE_SECONDS": "0.2"])
        let owner: UUID = try fixture.store.query("""
            INSERT INTO users (email, role, password_hash) VALUES ('owner@example.org', 'creator', 'x') RETURNING id
            """)[0].decode("id")
        let closed = "postgresql://postgres@127.0.0.1:\(freeLoopbackPort())/none"
        let added = try fixture.herald(["datasource", "add", "--name", "gone", "--url", closed])
        try fixture.store.execute("UPDATE reports SET data_source_id = \(UUID(uuidString: added.output.trimmingCharacters(in: .whitespacesAndNewlines))!)")
        try fixture.addSchedules(1, owner: owner)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'failed'") == 1 }, "\(scheduler.output)")
        let row = try fixture.store.query("SELECT attempts, error FROM executions")[0]
        #expect(try row.decode("attempts", as: Int.self) == 2)
        #expect(try row.decode("error", as: String.self).contains("could not connect"))
        #expect(try waitUntil(10) { try fixture.count("SELECT count(*) FROM notifications WHERE user_id = '\(owner)' AND kind = 'execution.failed'") == 1 })
        #expect(fixture.deliveredFiles().isEmpty)
    }

    @Test func aPostgreSQLRestartMidRunLosesNothing() throws {
        let cluster = try PrivatePostgresCluster()
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(2)", extra: ["HERALD_RETRY_BASE_SECONDS": "0.5"],
                                        databaseURL: cluster.url)
        try fixture.addSchedules(3)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'running' AND step = 'query'") >= 1 },
                "\(scheduler.output)")
        try cluster.control("restart")
        let store = try PostgresConnection(url: cluster.url)
        func count(_ sql: String) throws -> Int { try store.query(PostgresQuery(unsafeSQL: "SELECT (\(sql))::int AS n"))[0].decode("n") }
        let done = try waitUntil(60) { try count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 3 }
        #expect(done, "\(scheduler.output.suffix(3000))")
        #expect(scheduler.isRunning, "the scheduler died with PostgreSQL")
        #expect(try count("SELECT count(*) FROM executions") == 3)
        #expect(try count("SELECT max(attempts) FROM executions") >= 2, "no run was interrupted by the restart")
        #expect(fixture.deliveredFiles().count == 3)
    }

    @Test func theHeartbeatCountsRunsInFlight() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(8)")
        try fixture.addSchedules(1)
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        let redis = try RedisConnection(url: fixture.environment["HERALD_REDIS_URL"]!)
        func beat() throws -> [String: Any] {
            let members = try redis.command("ZRANGE", "herald:heartbeats", "0", "-1").array ?? []
            guard let id = members.compactMap(\.string).first(where: { $0.contains(":\(scheduler.pid):") }),
                  let json = try redis.command("GET", .string("herald:heartbeat:\(id)")).string,
                  let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
            return object
        }
        let busy = try waitUntil(15) { try beat()["in_flight"] as? Int == 1 }
        let last = try beat()
        #expect(busy, "\(last)")
        #expect(try beat()["role"] as? String == "scheduler")
    }
}
