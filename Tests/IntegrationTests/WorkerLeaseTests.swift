import Foundation
import HeraldCore
import Postgres
import Redis
import Testing
import TestSupport

/// Leases under stress, with `herald scheduler` processes against real PostgreSQL and Redis: a worker stopped past
/// its lease, a drain longer than the lease, two processes that look alike, a run past its deadline, and a queue
/// behind a data source limited to one query at a time.
@Suite(.serialized)
struct WorkerLeaseTests {
    @Test func aWorkerStoppedPastItsLeaseWritesNothingWhenItWakes() throws {
        // Every rendering differs (its clock), so the file tells which attempt wrote it.
        let fixture = try WorkerFixture(sql: "SELECT clock_timestamp()::text AS rendered_at FROM pg_sleep(3)", workers: 1)
        try fixture.addSchedules(1)
        let sleeper = try fixture.scheduler()
        defer { sleeper.signal(SIGCONT); sleeper.stop() }
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'running' AND step = 'query'") == 1 },
                "\(sleeper.output)")
        sleeper.signal(SIGSTOP)
        let taker = try fixture.scheduler()
        defer { taker.stop() }
        #expect(try waitUntil(40) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 }, "\(taker.output)")
        #expect(try fixture.count("SELECT crashes FROM executions") == 1, "the run was not taken over: \(taker.output)")
        let files = fixture.deliveredFiles()
        #expect(files.count == 1)
        guard let deliveredName = files.first else { return }
        let delivered = try Data(contentsOf: URL(fileURLWithPath: fixture.folder + "/" + deliveredName))

        sleeper.signal(SIGCONT)
        // The woken worker's query returns; it renders, finds the lease gone, and says so.
        #expect(try waitUntil(30) { sleeper.output.contains("lost the lease mid-run") }, "\(sleeper.output)")

        #expect(try fixture.count("SELECT count(*) FROM artifacts") == 1, "the loser recorded its rendering")
        // The loser's data-source slot was freed all the same.
        #expect(try waitUntil(10) {
            try fixture.count("""
                SELECT count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """) == 0
        })
        let artifact = try fixture.store.query("SELECT storage_path, encode(sha256, 'hex') AS sha FROM artifacts")[0]
        let dataDirectory = fixture.environment["HERALD_DATA_DIR"]!
        let kept = try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/" + (try artifact.decode("storage_path", as: String.self))))
        #expect(kept == delivered, "the kept artifact is not what was delivered")
        let keptSHA: String = try fixture.store.query("SELECT encode(sha256(decode(\(kept.map { String(format: "%02x", $0) }.joined()), 'hex')), 'hex') AS sha")[0]
            .decode("sha")
        #expect(keptSHA == (try artifact.decode("sha", as: String.self)), "the recorded sha256 does not match the file on disk")
        // The loser's own rendering did not stay either, and the delivered file is untouched.
        let artifactFiles = (FileManager.default.enumerator(atPath: dataDirectory + "/artifacts")?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".csv") }
        #expect(artifactFiles.count == 1, "\(artifactFiles)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.folder + "/" + deliveredName)) == delivered)
        #expect(fixture.deliveredFiles().count == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries") == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 1") == 1)
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1)
    }

    @Test func aDrainLongerThanTheLeaseKeepsItWhileASecondSchedulerRuns() throws {
        // The run needs three leases' time; the drain allows it.
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(6)", lease: 2, extra: ["HERALD_DRAIN_SECONDS": "20"])
        try fixture.addSchedules(1)
        let draining = try fixture.scheduler()
        defer { draining.stop() }
        #expect(try waitUntil(20) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'running' AND step = 'query'") == 1 },
                "\(draining.output)")
        let other = try fixture.scheduler()
        defer { other.stop() }
        let redis = try RedisConnection(url: fixture.environment["HERALD_REDIS_URL"]!)
        #expect(try waitUntil(20) { try redis.command("ZCARD", "herald:heartbeats").int == 2 }, "\(other.output)")
        draining.signal(SIGTERM)
        #expect(draining.wait(timeout: 30) == 0, "\(draining.output)")
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1, "\(draining.output)")
        let row = try fixture.store.query("SELECT attempts, crashes FROM executions")[0]
        #expect(try row.decode("attempts", as: Int.self) == 1)
        #expect(try row.decode("crashes", as: Int.self) == 0, "the lease ran out during the drain and was reclaimed")
        #expect(!other.output.contains("execution finished"), "\(other.output)")
        #expect(try fixture.count("SELECT count(*) FROM deliveries") == 1)
        #expect(try fixture.count("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 1") == 1)
        #expect(fixture.deliveredFiles().count == 1)
    }

    // New pid and UTS namespaces need root; elsewhere WorkerIdentityTests covers how the id is built. No --mount-proc:
    // getpid() answers 1 without it, and a chroot (deploy/check-pristine.sh) cannot make the mount private.
    @Test(.enabled(if: getuid() == 0, "unshare --pid --uts needs root"))
    func twoSchedulersWithTheSameHostNameAndPidHoldSeparateLeases() throws {
        let probe = try runShell("unshare --pid --uts --fork --kill-child /bin/sh -c 'hostname herald-twin && echo $$'")
        #expect(probe.status == 0 && probe.output.contains("1"), "unshare is not usable here: \(probe.output)")
        guard probe.status == 0 else { return }
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(2)", workers: 2)
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 8")
        try fixture.addSchedules(8)
        // Each in its own pid and UTS namespace: both are pid 1 on a host named herald-twin, like two containers.
        func twin() throws -> ChildProcess {
            try ChildProcess("/usr/bin/unshare", ["--pid", "--uts", "--fork", "--kill-child", "/bin/sh", "-c",
                                                  "hostname herald-twin && exec \"$0\" scheduler", HeraldCommandTests.herald],
                             environment: fixture.environment)
        }
        let first = try twin()
        let second = try twin()
        defer { first.stop(); second.stop() }
        let both = try waitUntil(30) {
            try fixture.count("SELECT count(DISTINCT lease_owner) FROM executions WHERE status = 'running'") == 2
        }
        #expect(both, "\(first.output)\n\(second.output)")
        let owners: [String] = try fixture.store.query("SELECT DISTINCT lease_owner FROM executions WHERE lease_owner IS NOT NULL")
            .map { try $0.decode("lease_owner") }
        #expect(owners.allSatisfy { $0.hasPrefix("scheduler:herald-twin:1:") }, "\(owners)")
        let redis = try RedisConnection(url: fixture.environment["HERALD_REDIS_URL"]!)
        let beats = try redis.command("ZRANGE", "herald:heartbeats", "0", "-1").array?.compactMap(\.string) ?? []
        #expect(Set(beats).count == 2, "\(beats)")
        #expect(try waitUntil(40) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 8 },
                "\(first.output)\n\(second.output)")
        #expect(try fixture.count("SELECT max(attempts) FROM executions") == 1)
        #expect(try fixture.count("SELECT max(crashes) FROM executions") == 0)
        #expect(fixture.deliveredFiles().count == 8)
    }

    @Test func aRunPastItsDeadlineIsCancelledFailsAndReleasesItsSlot() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 1")
        let added = try fixture.herald(["report", "add", "--name", "Hung", "--datasource", fixture.source.uuidString,
                                        "--sql", "SELECT 1 AS one FROM pg_sleep(600) /* hung-probe */", "--max-duration", "2"])
        let hung = try #require(UUID(uuidString: added.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(added.output)")
        #expect(try fixture.count("SELECT max_duration_seconds FROM reports WHERE id = '\(hung)'") == 2)
        #expect(try fixture.count("SELECT max_duration_seconds FROM reports WHERE id = '\(fixture.report)'") == 1800)
        let schedule = try fixture.addSchedules(1)[0]
        try fixture.store.execute("UPDATE schedules SET report_id = \(hung) WHERE id = \(schedule)")
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'failed'") == 1 }, "\(scheduler.output)")
        let row = try fixture.store.query("""
            SELECT error, extract(epoch FROM finished_at - started_at)::float8 AS took FROM executions WHERE schedule_id = \(schedule)
            """)[0]
        let error: String = try row.decode("error", as: String?.self) ?? ""
        #expect(error.contains("maximum duration of 2 s") && error.contains("query"), "\(error)")
        #expect(try row.decode("took", as: Double.self) < 15)
        // The query was cancelled on the server, not left running.
        #expect(try waitUntil(10) {
            try fixture.count("""
                SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%hung-probe%' AND pid <> pg_backend_pid()
                """) == 0
        })
        #expect(try fixture.count("""
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """) == 0, "the data source slot is still held")
        // The slot is free: the next run of the source (limited to one) goes through.
        try fixture.addSchedules(1)
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 }, "\(scheduler.output)")
    }

    @Test func twoHundredRunsBehindASourceLimitedToOneWaitParkedAndRunInOrder() throws {
        // Each run writes the instant it ran under the slot into its artifact: the order the slot was granted in.
        let fixture = try WorkerFixture(sql: "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US') AS ran_at", workers: 4)
        do {
            try fixture.store.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        } catch {
            Issue.record("pg_stat_statements is not loaded on the test server (deploy/lib.sh start_postgres preloads it): \(error)")
            return
        }
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 1")
        // The first run holds the slot until the test lets go of lock 4242, so that all others queue behind it.
        let blockerReport: UUID = try fixture.store.query("""
            INSERT INTO reports (name, data_source_id, sql)
            VALUES ('Blocker', \(fixture.source), 'SELECT 1 AS one FROM (SELECT pg_advisory_xact_lock(4242)) held') RETURNING id
            """)[0].decode("id")
        // The report runs on the reporting database: the lock that holds it is taken there.
        let reporting = try PostgresConnection(url: fixture.reportingURL)
        try reporting.execute("SELECT pg_advisory_lock(4242)")
        let blocker = try fixture.addSchedules(1, deliver: false)[0]
        try fixture.store.execute("UPDATE schedules SET report_id = \(blockerReport) WHERE id = \(blocker)")
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        #expect(try waitUntil(20) {
            try fixture.count("SELECT count(*) FROM executions WHERE schedule_id = '\(blocker)' AND status = 'running'") == 1
        }, "\(scheduler.output)")

        // 200 runs: ten priorities times twenty slots.
        let recurrence = try String(decoding: JSONEncoder().encode(Recurrence(kind: .custom, timeZone: "UTC", cron: "0 0 1 1 *")), as: UTF8.self)
        try fixture.store.execute("""
            INSERT INTO schedules (report_id, recurrence, cron, time_zone, next_slot_at, next_run_at, priority, overlap_policy)
            SELECT \(fixture.report), \(recurrence)::jsonb, '0 0 1 1 *', 'UTC', slot, slot, i % 10, 'allow'
            FROM generate_series(0, 199) i, LATERAL (SELECT date_trunc('second', now()) - make_interval(secs => i / 10 + 1) AS slot) s
            """)
        try fixture.store.notify("herald_schedules", payload: "test")
        let parked = try waitUntil(60) {
            try fixture.count("SELECT count(*) FROM executions WHERE status = 'queued' AND waiting_source_id IS NOT NULL") == 200
        }
        let parkedCount = try fixture.count("SELECT count(*) FROM executions WHERE waiting_source_id IS NOT NULL")
        #expect(parked, "\(parkedCount) parked\n\(scheduler.output.suffix(2000))")
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE status = 'queued' AND not_before IS NOT NULL") == 0,
                "a waiting run is on a retry timer")

        let database = "(SELECT oid FROM pg_database WHERE datname = current_database())"
        try fixture.store.execute(PostgresQuery(unsafeSQL: "SELECT pg_stat_statements_reset(0, \(database), 0)"))
        try reporting.execute("SELECT pg_advisory_unlock(4242)")
        let done = try waitUntil(120) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 201 }
        let succeeded = try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'")
        #expect(done, "\(succeeded) of 201\n\(scheduler.output.suffix(2000))")
        let statements = try fixture.count("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = \(database)")
        let claims = try fixture.count("""
            SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
            WHERE dbid = \(database) AND query LIKE '%crashes = e.crashes%'
            """)
        print("200 runs behind a data source limited to 1: \(statements) statements, \(claims) claims after the blocker let go")
        // A run costs a fixed handful of statements (claim, query, record, finish...), however long it waited.
        #expect(statements < 200 * 20, "\(statements) statements for 200 runs")
        #expect(claims >= 200 && claims <= 200 + 10, "\(claims) claims for 200 runs: waiting runs were retried (or none was counted)")
        #expect(try fixture.count("SELECT max(attempts) FROM executions") == 1)

        // Granted in order: priority first, then the earlier slot.
        let rows = try fixture.store.query("""
            SELECT e.priority, extract(epoch FROM e.scheduled_for)::float8 AS slot, a.storage_path
            FROM executions e JOIN artifacts a ON a.execution_id = e.id WHERE e.schedule_id <> \(blocker)
            """)
        #expect(rows.count == 200)
        let dataDirectory = fixture.environment["HERALD_DATA_DIR"]!
        var runs: [(ranAt: String, priority: Int, slot: Double)] = []
        for row in rows {
            let csv = try String(contentsOfFile: dataDirectory + "/" + (try row.decode("storage_path", as: String.self)), encoding: .utf8)
            let ranAt = csv.split(separator: "\r\n").dropFirst().first.map(String.init) ?? ""
            runs.append((ranAt, try row.decode("priority"), try row.decode("slot")))
        }
        runs.sort { $0.ranAt < $1.ranAt }
        let outOfOrder = zip(runs, runs.dropFirst()).filter { earlier, later in
            earlier.priority < later.priority || (earlier.priority == later.priority && earlier.slot > later.slot)
        }
        #expect(outOfOrder.isEmpty, "\(outOfOrder.count) runs out of order, first: \(outOfOrder.first.map { "\($0.0) before \($0.1)" } ?? "")")
    }

    @Test func theLeaseKeeperLogsARedisOutageOnceNotEveryTick() throws {
        // A keeper tick every third of a second; the firing loop's beat (every 5 s) logs the outage on its own cadence.
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", workers: 1, lease: 1)
        let scheduler = try fixture.scheduler(["HERALD_REDIS_URL": "redis://127.0.0.1:\(freeLoopbackPort())"])
        defer { scheduler.stop() }
        func occurrences(_ text: String) -> Int { scheduler.output.components(separatedBy: text).count - 1 }
        // Two beats apart is some fifteen keeper ticks.
        #expect(try waitUntil(20) { occurrences("Redis is unreachable") >= 2 }, "\(scheduler.output)")
        #expect(occurrences("lease keeper cannot use Redis") == 1, "\(scheduler.output)")
    }
}
