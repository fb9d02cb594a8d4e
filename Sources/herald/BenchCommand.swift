import ArgumentParser
import Crypto
import Foundation
import HeraldQueue
import HeraldCore
import HeraldDelivery
import HeraldRender
import HeraldScheduler
import HeraldStore
import Logging
import Postgres
import Redis

/// `herald bench lateness|burst|throughput|memory`: the scheduler's figures, each against a baseline measured in the same
/// run. Run through `deploy/bench-scheduler.sh`, which gives it a private PostgreSQL server and Redis.
///
/// Hidden from `herald --help`, and harmless wherever it is pointed: it creates a database of its own with a unique
/// name on the server of `HERALD_DATABASE_URL` (never using the database the URL names), works only there and drops
/// it at the end; it refuses a Redis database that holds any key, and empties only the one it filled.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Scheduler benchmarks (use deploy/bench-scheduler.sh).", shouldDisplay: false,
        subcommands: [Lateness.self, Burst.self, Throughput.self, Memory.self])

    /// Firing precision: 100,000 schedules every minute, spread over the minute by jitter.
    struct Lateness: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lateness of firing against a bare sleep-until-deadline floor.")
        @Option(help: "Active schedules.") var schedules = 100_000

        func run() throws {
            let bench = try BenchDatabase(config: loadConfig())
            defer { bench.dropDatabase() }
            // Baseline: the primitive the releaser waits on (a timed condition wait) over deadlines spread the same
            // way (whole seconds plus jitter), with nothing to do when they pass.
            let floor = BenchDatabase.sleepFloor(deadlines: 600, over: 10)

            // The measured slot: a whole minute far enough ahead for the inserts (10,000 rows a second or more here).
            let ready = Date().timeIntervalSince1970 + 15 + Double(schedules) / 10_000
            let start = Int64((ready / 60).rounded(.up)) * 60
            let ids = (0..<schedules).map { _ in UUID() }
            let jitter = Dictionary(uniqueKeysWithValues: ids.map { ($0, Int64(Jitter.seconds(scheduleID: $0.uuidString, maximum: 59))) })
            try bench.insertSchedules(ids, cron: "* * * * *", slot: start, jitterSeconds: 59, jitter: jitter)
            print("lateness: \(schedules) schedules, every minute, jitter 0-59 s; measuring the slot at \(UTCInstant.format(start))")
            let scheduler = bench.startScheduler(workers: 0)
            BenchDatabase.sleep(until: Double(start + 60 + 3))
            scheduler.stop()
            scheduler.wait()
            let rows = try bench.store.query("""
                SELECT schedule_id, extract(epoch FROM enqueued_at - scheduled_for) * 1000 AS ms FROM executions
                WHERE scheduled_for = to_timestamp(\(start)) AND enqueued_at IS NOT NULL
                """)
            let lateness = try rows.map { row -> Double in
                try row.decode("ms", as: Double.self) - Double(jitter[try row.decode("schedule_id", as: UUID.self)]! * 1000)
            }
            // A run not on the stream by the end of the window counts as infinitely late, not as missing.
            let herald = Stats(lateness + repeatElement(.infinity, count: schedules - lateness.count)), bare = Stats(floor)
            print("  fired: \(lateness.count) of \(schedules)")
            print("  herald lateness   " + herald.summary)
            print("  sleep floor       " + bare.summary)
            print(String(format: "  p99 over floor: %.2f ms (target: p99 < 20 ms)", herald.p99 - bare.p99))
            print(String(format: "result: bench=lateness schedules=%d fired=%d p50=%.2f p99=%.2f max=%.2f floor_p50=%.2f floor_p99=%.2f floor_max=%.2f",
                         schedules, lateness.count, herald.percentile(0.5), herald.p99, herald.sorted.last ?? .nan,
                         bare.percentile(0.5), bare.p99, bare.sorted.last ?? .nan))
        }
    }

    /// 10,000 schedules due in the same second.
    struct Burst: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A burst of due schedules against a raw INSERT + XADD ceiling.")
        @Option(help: "Schedules due at once.") var schedules = 10_000

        func run() throws {
            let config = loadConfig()
            let bench = try BenchDatabase(config: config)
            defer { bench.dropDatabase() }
            /// Seconds from the due second until all `ids` are durable in PostgreSQL and on the stream.
            func burst(_ ids: [UUID], due: Int64, schedulerStartsEarly: Bool) throws -> Double {
                try bench.insertSchedules(ids, cron: "0 0 1 1 *", slot: due, jitterSeconds: 0, jitter: [:])
                if !schedulerStartsEarly { BenchDatabase.sleep(until: Double(due) + 0.5) }
                let expected = try bench.streamLength() + ids.count
                let scheduler = bench.startScheduler(workers: 0)
                // Poll Redis only (a database poll would slow the database down); check PostgreSQL once at the end.
                while try bench.streamLength() < expected { usleep(20_000) }
                while try bench.count("SELECT count(*) FROM executions WHERE enqueued_at IS NULL") > 0 { usleep(20_000) }
                scheduler.stop()
                scheduler.wait()
                let durable: Double = try bench.store.query("SELECT extract(epoch FROM max(enqueued_at)) AS at FROM executions")[0].decode("at")
                return max(durable, try bench.lastStreamEntry()) - Double(due)
            }
            // Announced: the scheduler is running when the second comes (it fires up to a second ahead).
            let ids = (0..<schedules).map { _ in UUID() }
            let herald = try burst(ids, due: Int64(Date().timeIntervalSince1970) + 4, schedulerStartsEarly: true)
            // Cold: the schedules are already due when the scheduler starts, so all the firing happens after the second.
            let cold = try burst((0..<schedules).map { _ in UUID() }, due: Int64(Date().timeIntervalSince1970) + 1, schedulerStartsEarly: false) - 0.5
            let due = Int64(Date().timeIntervalSince1970)

            // Ceiling: the same rows written the cheapest way (batched INSERT of 500 per transaction) and their ids
            // pipelined onto a stream, with none of the scheduling work.
            let redis = try RedisConnection(url: bench.config.redisURL)
            let began = Date()
            for batch in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let inserted: [UUID] = try bench.store.transaction {
                    try bench.store.query("""
                        INSERT INTO executions (schedule_id, report_id, scheduled_for)
                        SELECT s, \(bench.report), to_timestamp(\(due + 86_400)) FROM unnest(\(batch)::uuid[]) s
                        RETURNING id
                        """).map { try $0.decode("id") }
                }
                _ = try redis.pipeline(inserted.map { ["XADD", "bench:ceiling", "*", "execution", .string($0.uuidString.lowercased())] })
            }
            let ceiling = Date().timeIntervalSince(began)
            print("burst: \(schedules) schedules due in the same second")
            print(String(format: "  herald, running when the second comes: all durable in PostgreSQL and on the stream %.0f ms after it", herald * 1000))
            print(String(format: "  herald, started after the second (no firing ahead): %.0f ms from its start", cold * 1000))
            print(String(format: "  ceiling (batched INSERT + pipelined XADD of the same rows): %.0f ms", ceiling * 1000))
            print(String(format: "  ratio ceiling / herald: running %.2f, cold %.2f (target: 0.5 or better)", ceiling / max(herald, 0.001), ceiling / cold))
            print(String(format: "result: bench=burst schedules=%d running_ms=%.0f cold_ms=%.0f ceiling_ms=%.0f running_ratio=%.2f cold_ratio=%.2f",
                         schedules, herald * 1000, cold * 1000, ceiling * 1000, ceiling / max(herald, 0.001), ceiling / cold))
        }
    }

    /// End to end: fire, enqueue, claim, query, render CSV, keep the artifact, deliver to a folder, record.
    struct Throughput: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Executions per second end to end, against the bare work.")
        @Option(help: "Executions.") var executions = 10_000
        @Option(help: "Worker threads.") var workers = 8

        func run() throws {
            let bench = try BenchDatabase(config: loadConfig())
            defer { bench.dropDatabase() }
            var config = bench.config
            config.workers = workers
            let folder = "bench-out"
            try bench.store.execute("UPDATE data_sources SET max_concurrency = \(workers) WHERE id = \(bench.source)")
            let destination: UUID = try bench.store.query("""
                INSERT INTO destinations (name, kind, settings)
                VALUES ('bench', 'folder', jsonb_build_object('path', \(folder)::text, 'filename', '{execution_id}.{format}'))
                RETURNING id
                """)[0].decode("id")
            let ids = (0..<executions).map { _ in UUID() }
            let due = Int64(Date().timeIntervalSince1970) + 4
            try bench.insertSchedules(ids, cron: "0 0 1 1 *", slot: due, jitterSeconds: 0, jitter: [:], destination: destination)
            let scheduler = bench.startScheduler(workers: workers, config: config)
            while Date().timeIntervalSince1970 < Double(due) { usleep(10_000) }
            let busyAtDue = MachineCPU.busySeconds()
            // One scan of the table per poll, four times a second: the figure comes from `finished_at`, not from when
            // the poll notices, and every poll takes CPU from the workers being measured (two scans ten times a second
            // took about 4% of this 2-core machine).
            while true {
                let counts = try bench.store.query("""
                    SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS ok,
                           count(*) FILTER (WHERE status IN ('failed', 'partial'))::int AS bad
                    FROM executions
                    """)[0]
                if try counts.decode("bad", as: Int.self) > 0 {
                    throw BenchError("an execution failed: \(try bench.store.query("SELECT error FROM executions WHERE error IS NOT NULL LIMIT 1")[0].decode("error", as: String.self))")
                }
                if try counts.decode("ok", as: Int.self) >= executions { break }
                usleep(250_000)
            }
            let heraldCPU = (MachineCPU.busySeconds() - busyAtDue) / Double(executions)
            let finished: Double = try bench.store.query("SELECT extract(epoch FROM max(finished_at)) AS at FROM executions")[0].decode("at")
            scheduler.stop()
            scheduler.wait()
            let herald = Double(executions) / (finished - Double(due))

            // Baseline: the bare work on the same number of threads: the 10-row query, CSV, a file renamed into place.
            let databaseURL = config.databaseURL
            let bareFolder = config.dataDirectory + "/bare"
            try FileManager.default.createDirectory(atPath: bareFolder, withIntermediateDirectories: true)
            let perThread = executions / workers
            let began = Date()
            let busyAtBare = MachineCPU.busySeconds()
            let group = DispatchGroup()
            let errors = ErrorBox()
            for worker in 0..<workers {
                group.enter()
                Thread {
                    defer { group.leave() }
                    do {
                        let source = try PostgresConnection(url: databaseURL)
                        for index in 0..<perThread {
                            let table = try source.table(BenchDatabase.reportSQL)
                            let path = bareFolder + "/\(worker)-\(index).csv"
                            try AtomicFile.write(CSVRenderer.render(columns: table.columns, rows: table.rows), to: path)
                        }
                    } catch { errors.set(error) }
                }.start()
            }
            group.wait()
            if let error = errors.error { throw error }
            let bare = Double(perThread * workers) / Date().timeIntervalSince(began)
            let bareCPU = (MachineCPU.busySeconds() - busyAtBare) / Double(perThread * workers)
            print("throughput: \(executions) executions of a 10-row CSV report to a local folder, \(workers) workers")
            print(String(format: "  herald end to end: %.0f executions/s (target: 1,000 or more)", herald))
            print(String(format: "  bare work (query + CSV + file, no bookkeeping): %.0f/s", bare))
            print(String(format: "  herald / bare: %.2f", herald / bare))
            // The machine's busy CPU time (every process: PostgreSQL, Redis, herald) per execution: steadier than a
            // rate when other work shares the cores, and what a change to the per-run work moves.
            print(String(format: "  machine CPU per execution: herald %.2f ms, bare work %.2f ms", heraldCPU * 1000, bareCPU * 1000))
            print(String(format: "result: bench=throughput executions=%d workers=%d per_s=%.0f bare_per_s=%.0f cpu_ms=%.2f bare_cpu_ms=%.2f",
                         executions, workers, herald, bare, heraldCPU * 1000, bareCPU * 1000))
        }
    }
    /// The database for `deploy/bench-memory.sh`: 100,000 active schedules every five minutes, spread over the five
    /// minutes by jitter, each with its true next run at or after `--first-run`. Unlike the others it leaves the database in
    /// place for a real `herald scheduler` to fire from, and prints only that database's URL; the script's private
    /// server goes with it.
    struct Memory: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Creates a database of 100,000 schedules and prints its URL.")
        @Option(help: "Active schedules.") var schedules = 100_000
        @Option(help: "No run before this time (seconds since 1970), so the scheduler is measured idle first.") var firstRun: Int64

        func run() throws {
            let bench = try BenchDatabase(config: loadConfig(), announce: false)
            do {
                let period: Int64 = 300
                let ready = firstRun
                let slot = ready / period * period
                let ids = (0..<schedules).map { _ in UUID() }
                let jitter = Dictionary(uniqueKeysWithValues: ids.map { ($0, Int64(Jitter.seconds(scheduleID: $0.uuidString, maximum: Int(period) - 1))) })
                // A schedule whose run in the current slot is already past has its next run in the slot after.
                let (current, next) = (ids.filter { slot + jitter[$0]! >= ready }, ids.filter { slot + jitter[$0]! < ready })
                try bench.insertSchedules(current, cron: "*/5 * * * *", slot: slot, jitterSeconds: Int(period) - 1, jitter: jitter)
                try bench.insertSchedules(next, cron: "*/5 * * * *", slot: slot + period, jitterSeconds: Int(period) - 1, jitter: jitter)
                guard Date().timeIntervalSince1970 < Double(ready) else {
                    throw BenchError("the schedules were inserted after --first-run; give it more time")
                }
            } catch {
                bench.dropDatabase()
                throw error
            }
            print(bench.config.databaseURL)
        }
    }
}

/// Busy CPU time of the whole machine from `/proc/stat` (user, nice, system, irq, softirq, steal), in seconds.
enum MachineCPU {
    static func busySeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = text.split(separator: "\n").first else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return 0 }
        return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// A database the benchmark created (and drops), migrated, with a data source (itself) and a report.
struct BenchDatabase {
    static let reportSQL: PostgresQuery = "SELECT n, 'row ' || n AS label FROM generate_series(1, 10) AS n"

    /// `config` with `databaseURL` pointing at the benchmark's own database.
    let config: HeraldConfig
    let store: PostgresConnection
    let report: UUID
    let source: UUID
    let name: String
    private let serverURL: String

    init(config original: HeraldConfig, announce: Bool = true) throws {
        guard var components = URLComponents(string: original.databaseURL), components.scheme?.hasPrefix("postgres") == true else {
            throw BenchError("HERALD_DATABASE_URL must be a postgresql:// URL")
        }
        // Only a Redis database with nothing in it: the benchmark adds streams and heartbeats and empties it after.
        let redis = try RedisConnection(url: original.redisURL)
        guard let keys = try redis.command("DBSIZE").int, keys == 0 else {
            throw BenchError("the Redis database of HERALD_REDIS_URL holds keys; the benchmark uses only an empty one")
        }
        name = "herald_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        serverURL = original.databaseURL
        try PostgresConnection(url: serverURL).execute(PostgresQuery(unsafeSQL: "CREATE DATABASE " + PostgresConnection.quoteIdentifier(name)))
        components.path = "/" + name
        var config = original
        config.databaseURL = components.string!
        self.config = config
        store = try PostgresConnection(url: config.databaseURL)
        guard try store.query("SELECT current_database() AS name")[0].decode("name", as: String.self) == name else {
            throw BenchError("connected to another database than the one the benchmark created")
        }
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        if announce { print("bench: in its own database \(name), dropped at the end") }
        source = try DataSourceRepository(connection: store, secretKey: config.secretKey).create(name: "bench", url: config.databaseURL)
        report = try ReportRepository(connection: store).create(name: "Bench", dataSourceID: source, sql: Self.reportSQL.sql)
    }

    /// Drops the benchmark's database and empties the Redis database it filled.
    func dropDatabase() {
        do {
            try PostgresConnection(url: serverURL).execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS " + PostgresConnection.quoteIdentifier(name) + " WITH (FORCE)"))
            try RedisConnection(url: config.redisURL).command("FLUSHDB")
        } catch {
            FileHandle.standardError.write(Data("herald bench: could not clean up \(name): \(error)\n".utf8))
        }
    }

    /// Schedules with the given ids, all with slot `slot` (plus their jitter), inserted 10,000 at a time.
    func insertSchedules(_ ids: [UUID], cron: String, slot: Int64, jitterSeconds: Int, jitter: [UUID: Int64], destination: UUID? = nil) throws {
        let recurrence = String(decoding: try JSONEncoder().encode(Recurrence(kind: .custom, timeZone: "UTC", cron: cron)), as: UTF8.self)
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            let batch = Array(ids[start..<min(start + 10_000, ids.count)])
            let runs = batch.map { slot + (jitter[$0] ?? 0) }
            try store.execute("""
                INSERT INTO schedules (id, report_id, recurrence, cron, time_zone, next_slot_at, next_run_at, jitter_seconds, overlap_policy, destination_ids)
                SELECT u.id, \(report), \(recurrence)::jsonb, \(cron), 'UTC', to_timestamp(\(slot)), to_timestamp(u.run), \(jitterSeconds), 'allow',
                       CASE WHEN \(destination)::uuid IS NULL THEN '{}'::uuid[] ELSE ARRAY[\(destination)::uuid] END
                FROM unnest(\(batch)::uuid[], \(runs)::bigint[]) AS u(id, run)
                """)
        }
        try store.execute("ANALYZE schedules")
    }

    final class RunningScheduler: @unchecked Sendable {
        let process: SchedulerProcess
        let done = DispatchSemaphore(value: 0)
        init(_ process: SchedulerProcess) { self.process = process }
        func stop() { process.stop() }
        func wait() { done.wait() }
    }

    /// A `SchedulerProcess` in this process, on a thread of its own.
    func startScheduler(workers: Int, config override: HeraldConfig? = nil) -> RunningScheduler {
        var config = override ?? self.config
        config.workers = workers
        var logger = Logger(label: "herald.bench")
        logger.logLevel = .error
        let running = RunningScheduler(SchedulerProcess(config: config, version: Herald.version, logger: logger))
        let thread = Thread {
            running.process.run()
            running.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        return running
    }

    func count(_ sql: String) throws -> Int {
        try store.query(PostgresQuery(unsafeSQL: "SELECT (\(sql))::int AS n"))[0].decode("n")
    }

    func streamLength() throws -> Int {
        let redis = try RedisConnection(url: config.redisURL)
        return try (0...9).reduce(0) { $0 + (try redis.command("XLEN", .string(ExecutionQueue.stream(priority: $1))).int ?? 0) }
    }

    /// The time (seconds since 1970) of the newest entry on the streams, from its id.
    func lastStreamEntry() throws -> Double {
        let redis = try RedisConnection(url: config.redisURL)
        var newest = 0.0
        for priority in 0...9 {
            let reply = try redis.command("XREVRANGE", .string(ExecutionQueue.stream(priority: priority)), "+", "-", "COUNT", "1")
            if let id = reply.array?.first?.array?.first?.string, let ms = Double(id.split(separator: "-")[0]) {
                newest = max(newest, ms / 1000)
            }
        }
        return newest
    }

    /// Oversleep in ms of `deadlines` waits spread over `seconds`, each on whole seconds plus a jitter, each a timed
    /// condition wait like the releaser's.
    static func sleepFloor(deadlines count: Int, over seconds: Int) -> [Double] {
        let condition = NSCondition()
        let base = Double(Int64(Date().timeIntervalSince1970) + 1)
        let deadlines = (0..<count).map { base + Double($0 % seconds) + Double(($0 * 7919) % 1000) / 1000 }.sorted()
        var late: [Double] = []
        condition.lock()
        for deadline in deadlines {
            while Date().timeIntervalSince1970 < deadline {
                _ = condition.wait(until: Date(timeIntervalSince1970: deadline))
            }
            late.append((Date().timeIntervalSince1970 - deadline) * 1000)
        }
        condition.unlock()
        return late
    }

    static func sleep(until epoch: Double) {
        let remaining = epoch - Date().timeIntervalSince1970
        if remaining > 0 { usleep(UInt32(remaining * 1_000_000)) }
    }
}

struct Stats {
    let sorted: [Double]
    init(_ values: [Double]) { sorted = values.sorted() }
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1 < 0 ? 0 : Int((p * Double(sorted.count)).rounded(.up)) - 1)]
    }
    var p99: Double { percentile(0.99) }
    var summary: String {
        String(format: "p50 %.2f ms  p99 %.2f ms  max %.2f ms  (n=%d)", percentile(0.5), p99, sorted.last ?? .nan, sorted.count)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func set(_ error: Error) { lock.withLock { self.error = error } }
}
