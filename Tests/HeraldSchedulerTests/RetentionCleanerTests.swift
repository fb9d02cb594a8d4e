import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A migrated database with a report, a folder destination and a data folder, where finished runs with files on disk
/// are made at any age.
struct RetentionFixture {
    let url: String
    let connection: PostgresConnection
    let dataDirectory: String
    let report: UUID
    let destination: UUID

    init() throws {
        url = try TestDatabase.create()
        connection = try PostgresConnection(url: url)
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let source = try DataSourceRepository(connection: connection, secretKey: Array(repeating: 1, count: 32))
            .create(name: "warehouse", url: "postgresql://reader@127.0.0.1/shop")
        report = try ReportRepository(connection: connection).create(name: "Sales", dataSourceID: source, sql: "SELECT 1")
        destination = try connection.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('reports', 'folder', '{"path": "reports"}') RETURNING id
            """)[0].decode("id")
        dataDirectory = NSTemporaryDirectory() + "herald-retention-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
    }

    func schedule(_ name: String, retentionDays: Int? = nil) throws -> UUID {
        try ScheduleService(connection: connection, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100)).create(
            ScheduleDraft(name: name, reportID: report, recurrence: Recurrence(kind: .daily, timeZone: "UTC", time: "06:00"),
                          destinationIDs: [destination], retentionDays: retentionDays),
            actor: .commandLine).id
    }

    /// A run of `schedule` (or an ad-hoc run of the report) that finished `daysAgo` days ago, with one CSV file kept in
    /// `artifacts/2020/01/02/`; a queued or running one has no finished_at.
    @discardableResult
    func run(_ schedule: UUID?, daysAgo: Double, status: String = "succeeded", pinned: Bool = false) throws -> UUID {
        let finished = !["queued", "running"].contains(status)
        let id: UUID = try connection.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, status, started_at, finished_at, pinned)
            VALUES (\(schedule), \(report), clock_timestamp() - make_interval(secs => \(daysAgo * 86_400)), 'manual', \(status),
                    clock_timestamp() - make_interval(secs => \(daysAgo * 86_400)),
                    CASE WHEN \(finished) THEN clock_timestamp() - make_interval(secs => \(daysAgo * 86_400)) END, \(pinned))
            RETURNING id
            """)[0].decode("id")
        try addFile(to: id)
        return id
    }

    func addFile(to execution: UUID, path: String? = nil) throws {
        let relative = path ?? "artifacts/2020/01/02/\(execution.uuidString.lowercased()).csv"
        let full = dataDirectory + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: full, contents: Data("a,b\r\n1,2\r\n".utf8))
        try connection.execute("""
            INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(execution), 'csv', 'sales.csv', \(relative), 10, decode(repeat('00', 32), 'hex'))
            """)
    }

    func cleaner(defaultDays: Int? = 90, batchSize: Int = 500) throws -> RetentionCleaner {
        RetentionCleaner(connection: try PostgresConnection(url: url), dataDirectory: dataDirectory, defaultDays: defaultDays, batchSize: batchSize)
    }

    func exists(_ execution: UUID) throws -> Bool {
        try connection.query("SELECT count(*)::int AS n FROM executions WHERE id = \(execution)")[0].decode("n", as: Int.self) == 1
    }

    func fileExists(_ execution: UUID) -> Bool {
        FileManager.default.fileExists(atPath: dataDirectory + "/artifacts/2020/01/02/\(execution.uuidString.lowercased()).csv")
    }

    func totals(_ outcome: RetentionCleaner.Outcome) -> RetentionTotals? {
        if case .cleaned(_, let totals) = outcome { return totals }
        return nil
    }
}

struct RetentionCleanerTests {
    @Test func removesOldRunsWithTheirFilesAndKeepsNewPinnedAndUnfinishedOnes() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Morning sales")
        let old = try f.run(schedule, daysAgo: 100)
        let oldFailed = try f.run(schedule, daysAgo: 91, status: "failed")
        let adHoc = try f.run(nil, daysAgo: 120)
        let recent = try f.run(schedule, daysAgo: 89)
        let pinned = try f.run(schedule, daysAgo: 400, pinned: true)
        let queued = try f.run(schedule, daysAgo: 200, status: "queued")
        let running = try f.run(schedule, daysAgo: 200, status: "running")
        try f.connection.execute("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status)
            VALUES (\(old), \(f.destination), 'folder', 'k-old', 'succeeded')
            """)

        let totals = try #require(f.totals(try f.cleaner().run()))

        for gone in [old, oldFailed, adHoc] {
            #expect(try !f.exists(gone))
            #expect(!f.fileExists(gone))
        }
        for kept in [recent, pinned, queued, running] {
            #expect(try f.exists(kept))
            #expect(f.fileExists(kept))
        }
        #expect(totals.executions == 3)
        #expect(totals.artifacts == 3)
        #expect(totals.files == 3)
        #expect(totals.bytes == 30)
        #expect(totals.errors.isEmpty)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM deliveries")[0].decode("n", as: Int.self) == 0)
    }

    @Test func aSchedulesOwnPeriodWinsOverTheDefaultBothWays() throws {
        let f = try RetentionFixture()
        let short = try f.schedule("Short", retentionDays: 7)
        let long = try f.schedule("Long", retentionDays: 365)
        let shortOld = try f.run(short, daysAgo: 8)
        let shortNew = try f.run(short, daysAgo: 6)
        let longOld = try f.run(long, daysAgo: 366)
        let longMiddle = try f.run(long, daysAgo: 200)     // past the default, within its own period

        _ = try f.cleaner(defaultDays: 90).run()

        #expect(try !f.exists(shortOld))
        #expect(try f.exists(shortNew))
        #expect(try !f.exists(longOld))
        #expect(try f.exists(longMiddle))
        #expect(f.fileExists(longMiddle))
    }

    @Test func withTheDefaultOffOnlySchedulesWithTheirOwnPeriodExpire() throws {
        let f = try RetentionFixture()
        let own = try f.schedule("Own", retentionDays: 30)
        let plain = try f.schedule("Plain")
        let ownOld = try f.run(own, daysAgo: 31)
        let plainOld = try f.run(plain, daysAgo: 3000)
        _ = try f.cleaner(defaultDays: nil).run()
        #expect(try !f.exists(ownOld))
        #expect(try f.exists(plainOld))
    }

    @Test func theScheduleListsLastRunMovesToARunThatRemains() throws {
        let f = try RetentionFixture()
        let expiring = try f.schedule("Expiring", retentionDays: 10)
        let kept = try f.run(expiring, daysAgo: 20, pinned: true)
        try f.run(expiring, daysAgo: 15)
        try f.run(expiring, daysAgo: 11, status: "failed")
        let emptied = try f.schedule("Emptied", retentionDays: 10)
        try f.run(emptied, daysAgo: 12)
        func lastRun(_ schedule: UUID) throws -> UUID? {
            try f.connection.query("SELECT last_execution_id FROM schedules WHERE id = \(schedule)")[0].decode("last_execution_id", as: UUID?.self)
        }
        #expect(try lastRun(expiring) != kept)

        _ = try f.cleaner().run()

        #expect(try lastRun(expiring) == kept)
        #expect(try lastRun(emptied) == nil)
        let service = ScheduleService(connection: f.connection, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100))
        #expect(try service.get(expiring, actor: .commandLine).lastRun?.status == "succeeded")
        // No schedule names a run that no longer exists.
        #expect(try f.connection.query("""
            SELECT count(*)::int AS n FROM schedules s
            WHERE s.last_execution_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = s.last_execution_id)
            """)[0].decode("n", as: Int.self) == 0)
    }

    @Test func theLastDeliveredResultThatIfChangedComparesWithIsKept() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Changes", retentionDays: 5)
        let older = try f.run(schedule, daysAgo: 20)
        let lastDelivered = try f.run(schedule, daysAgo: 10)
        let skipped = try f.run(schedule, daysAgo: 8, status: "skipped")
        try f.connection.execute("""
            UPDATE executions SET result_sha256 = decode(repeat('ab', 32), 'hex') WHERE id = ANY(\([older, lastDelivered, skipped])::uuid[])
            """)
        _ = try f.cleaner().run()
        #expect(try !f.exists(older))
        #expect(try f.exists(lastDelivered))
        #expect(try !f.exists(skipped))
    }

    @Test func aFileThatARemainingRowNamesStaysOnDisk() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Shared")
        let old = try f.run(schedule, daysAgo: 100)
        let recent = try f.run(schedule, daysAgo: 1)
        let sharedPath = "artifacts/2020/01/03/shared.csv"
        try f.addFile(to: old, path: sharedPath)
        try f.addFile(to: recent, path: sharedPath)
        let totals = try #require(f.totals(try f.cleaner().run()))
        #expect(try !f.exists(old))
        #expect(FileManager.default.fileExists(atPath: f.dataDirectory + "/" + sharedPath))
        #expect(totals.artifacts == 2)
        #expect(totals.files == 1)
    }

    @Test func aMissingFileIsFineAndEmptyDayFoldersGo() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Missing")
        let old = try f.run(schedule, daysAgo: 100)
        try FileManager.default.removeItem(atPath: f.dataDirectory + "/artifacts/2020/01/02/\(old.uuidString.lowercased()).csv")
        let today = String(UTCInstant.format(Int64(Date().timeIntervalSince1970)).prefix(10)).replacingOccurrences(of: "-", with: "/")
        try FileManager.default.createDirectory(atPath: f.dataDirectory + "/artifacts/" + today, withIntermediateDirectories: true)

        let totals = try #require(f.totals(try f.cleaner().run()))

        #expect(try !f.exists(old))
        #expect(totals.files == 0)
        #expect(totals.errors.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.dataDirectory + "/artifacts/2020"))
        #expect(FileManager.default.fileExists(atPath: f.dataDirectory + "/artifacts/" + today))   // a worker may be about to write there
    }

    @Test func aFileThatCannotBeDeletedKeepsItsRunAndIsRecorded() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Stuck")
        let old = try f.run(schedule, daysAgo: 100)
        // A folder where the file should be: unlink fails (EISDIR) whoever runs the test, root included.
        let stuck = "artifacts/2020/01/04/stuck.csv"
        try FileManager.default.createDirectory(atPath: f.dataDirectory + "/" + stuck + "/inside", withIntermediateDirectories: true)
        try f.connection.execute("""
            INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(old), 'pdf', 'sales.pdf', \(stuck), 10, decode(repeat('00', 32), 'hex'))
            """)
        let totals = try #require(f.totals(try f.cleaner().run()))
        #expect(try f.exists(old))
        #expect(totals.executions == 0)
        #expect(totals.errors == ["\(stuck): Is a directory"])
        let recorded = try #require(try RetentionRepository(connection: f.connection).recentPasses().first)
        #expect(recorded.totals.errors == totals.errors)
    }

    @Test func twelveHundredExpiredRunsGoInThreeBatches() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Many")
        try f.connection.execute("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, status, finished_at)
            SELECT \(schedule), \(f.report), now() - make_interval(days => 100, mins => n), 'succeeded', now() - make_interval(days => 100, mins => n)
            FROM generate_series(1, 1200) n
            """)
        let kept = try f.run(schedule, daysAgo: 1)
        var batches: [Int] = []
        var cleaner = try f.cleaner(batchSize: 500)
        cleaner.afterBatch = { batches.append($0.executions) }
        let totals = try #require(f.totals(try cleaner.run()))
        #expect(batches == [500, 1000, 1200])
        #expect(totals.batches == 3)
        #expect(totals.executions == 1200)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM executions")[0].decode("n", as: Int.self) == 1)
        #expect(try f.exists(kept))
    }

    /// 100,000 expired runs (each with its artifact and delivery rows) go in short transactions: sampled from
    /// `pg_stat_activity` and `pg_locks` while it works, the cleaner's transaction is never old and never holds a lock on
    /// a schedule row long, and a writer that keeps updating the schedule those runs belong to (what firing does) never
    /// waits long.
    @Test func aHundredThousandExpiredRunsGoWithoutALongLock() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Busy")
        try f.connection.execute("""
            WITH runs AS (
                INSERT INTO executions (schedule_id, report_id, scheduled_for, status, started_at, finished_at)
                SELECT \(schedule), \(f.report), now() - make_interval(days => 100, secs => n), 'succeeded',
                       now() - make_interval(days => 100, secs => n), now() - make_interval(days => 100, secs => n)
                FROM generate_series(1, 100000) n
                RETURNING id
            ), files AS (
                INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
                SELECT id, 'csv', 'sales.csv', 'artifacts/2020/01/02/' || id || '.csv', 10, decode(repeat('00', 32), 'hex') FROM runs
            )
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status)
            SELECT id, \(f.destination), 'folder', id::text || ':d:', 'succeeded' FROM runs
            """)
        let kept = try f.run(schedule, daysAgo: 1)
        let cleanerConnection = try PostgresConnection(url: f.url)
        let cleanerPID: Int = try cleanerConnection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid")
        let cleaner = RetentionCleaner(connection: cleanerConnection, dataDirectory: f.dataDirectory, defaultDays: 90, batchSize: 1000)

        final class Watch: @unchecked Sendable {
            let lock = NSLock()
            var done = false
            var oldestTransaction = 0.0, longestScheduleLock = 0.0, longestWrite = 0.0, samples = 0, writes = 0
        }
        let watch = Watch()
        let finished = DispatchGroup()
        // The observer: how old the cleaner's open transaction is, and how long it has held the schedule row's lock
        // (a transaction-level lock on the row shows as a `transactionid` lock of the cleaner's backend while it holds it).
        finished.enter()
        Thread { [url = f.url] in
            defer { finished.leave() }
            guard let observer = try? PostgresConnection(url: url) else { return }
            while !watch.lock.withLock({ watch.done }) {
                if let row = try? observer.query("""
                    SELECT coalesce(extract(epoch FROM clock_timestamp() - a.xact_start), 0)::float8 AS age,
                           EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock') AS writing
                    FROM pg_stat_activity a WHERE a.pid = \(cleanerPID)
                    """).first, let age: Double = try? row.decode("age"), let writing: Bool = try? row.decode("writing") {
                    watch.lock.withLock {
                        watch.samples += 1
                        watch.oldestTransaction = max(watch.oldestTransaction, age)
                        if writing { watch.longestScheduleLock = max(watch.longestScheduleLock, age) }
                    }
                }
                usleep(5_000)
            }
        }.start()
        // The writer: the schedule's row, as firing moves it, again and again while the cleaner deletes its runs.
        finished.enter()
        Thread { [url = f.url] in
            defer { finished.leave() }
            guard let writer = try? PostgresConnection(url: url) else { return }
            while !watch.lock.withLock({ watch.done }) {
                let started = Date()
                _ = try? writer.execute("UPDATE schedules SET updated_at = now() WHERE id = \(schedule)")
                let took = Date().timeIntervalSince(started)
                watch.lock.withLock { watch.writes += 1; watch.longestWrite = max(watch.longestWrite, took) }
                usleep(10_000)
            }
        }.start()

        let began = Date()
        let totals = try #require(f.totals(try cleaner.run()))
        let took = Date().timeIntervalSince(began)
        watch.lock.withLock { watch.done = true }
        finished.wait()

        #expect(totals.executions == 100_000 && totals.batches == 100)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM executions")[0].decode("n", as: Int.self) == 1)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM deliveries")[0].decode("n", as: Int.self) == 0)
        #expect(try f.exists(kept))
        let (samples, writes, oldest, locked, write) = watch.lock.withLock {
            (watch.samples, watch.writes, watch.oldestTransaction, watch.longestScheduleLock, watch.longestWrite)
        }
        // Many samples and writes over the pass, so the maxima mean something; a whole pass in one transaction would
        // show a transaction as old as the pass.
        #expect(samples > 50 && writes > 20, "samples \(samples), writes \(writes) in \(took) s")
        // Bounds with room for a loaded machine (a batch took up to 2.1 s while other suites ran); the pass takes tens.
        #expect(oldest < 5.0 && oldest < took / 4, "the cleaner's oldest transaction: \(oldest) s of a \(took) s pass")
        #expect(locked < 5.0, "the cleaner held a row lock for \(locked) s")
        #expect(write < 5.0, "a writer of the schedule row waited \(write) s")
    }

    @Test func aStoppingSchedulerEndsThePassBetweenBatches() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Stopping")
        for day in 0..<5 { try f.run(schedule, daysAgo: 100 + Double(day)) }
        var cleaner = try f.cleaner(batchSize: 2)
        cleaner.shouldStop = { true }
        #expect(f.totals(try cleaner.run())?.executions == 2)
        #expect(f.totals(try f.cleaner(batchSize: 2).run())?.executions == 3)
    }

    @Test func aSecondCleanerSkipsWhileOneIsWorking() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Busy")
        for day in 0..<4 { try f.run(schedule, daysAgo: 100 + Double(day)) }
        var during: [RetentionCleaner.Outcome] = []
        var first = try f.cleaner(batchSize: 2)
        let second = try f.cleaner(batchSize: 2)
        first.afterBatch = { _ in during.append((try? second.run()) ?? .cleaned(passID: -1, RetentionTotals())) }
        let outcome = try first.run()
        #expect(during == [.skipped, .skipped])
        #expect(f.totals(outcome)?.executions == 4)
        // Once the first is done, the lock is free again.
        #expect(f.totals(try second.run())?.executions == 0)
    }

    @Test func eachPassIsRecorded() throws {
        let f = try RetentionFixture()
        let schedule = try f.schedule("Recorded")
        try f.run(schedule, daysAgo: 100)
        try f.run(schedule, daysAgo: 101)
        guard case .cleaned(let passID, _) = try f.cleaner(defaultDays: 90).run() else {
            Issue.record("the cleaner skipped with nobody else cleaning")
            return
        }
        let pass = try #require(try RetentionRepository(connection: f.connection).recentPasses().first)
        #expect(pass.id == passID)
        #expect(pass.finishedAt != nil)
        #expect(pass.defaultDays == 90)
        #expect(pass.totals.executions == 2)
        #expect(pass.totals.artifacts == 2)
        #expect(pass.totals.files == 2)
        #expect(pass.totals.bytes == 20)
        #expect(pass.totals.batches == 1)
        #expect(pass.totals.errors.isEmpty)
    }
}
