import Foundation
import HeraldQueue
import HeraldCore
import HeraldMetrics
import Logging
import Postgres
import Redis
import HeraldStore

/// `herald scheduler`: fires due schedules, reconciles PostgreSQL with the Redis streams, beats, and runs a
/// `WorkerPool` that executes what is queued. The firing loop's blocking I/O runs on the calling thread, which
/// `herald` dedicates to it; the workers have threads of their own.
public final class SchedulerProcess: @unchecked Sendable {
    public static let beatInterval: TimeInterval = 5
    /// How far ahead slots are fired: their rows are written early and put on the queue at their instant by the
    /// releaser. Several seconds, so a slow PostgreSQL (a batch taking a second or more) still writes before the instant.
    public static let lookahead: TimeInterval = 5
    /// How long after the instant it prepares the firing loop wakes (see `run`); at most `lookahead` - 1 s.
    static let firingPhase: TimeInterval = 0.5
    /// Firing batches are sized so one takes about this long: big enough to cost few round trips and commits, small
    /// enough that the row locks are held briefly and a stop is noticed soon.
    static let batchTarget: TimeInterval = 0.25
    static let batchSizes = 100...5000

    let config: HeraldConfig
    let logger: Logger
    let version: String
    let id: String
    let workers: WorkerPool?
    /// What `/metrics` shows (served by a `MetricsListener` when `HERALD_METRICS_PORT` is set).
    public let metrics: SchedulerMetrics
    private let stopCondition = NSCondition()
    private var stopRequested = false

    public init(config: HeraldConfig, version: String, logger: Logger) {
        self.config = config
        self.version = version
        self.logger = logger
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.id = WorkerIdentity.make(host: hostName, pid: getpid())
        let scrape = ScrapeConnection(redisURL: config.redisURL)
        let pool = Box<WorkerPool?>(nil)
        metrics = SchedulerMetrics(version: version, readers: .init(
            inFlight: { pool.value?.inFlightCount ?? 0 },
            queueDepths: { try scrape.use { try ExecutionQueue(redis: $0).depths() } },
            breakersOpen: { try scrape.use { try CircuitBreaker.openCount(redis: $0) } }))
        workers = config.workers > 0 ? WorkerPool(config: config, consumer: id, logger: logger, metrics: metrics) : nil
        pool.value = workers
    }
    /// Asks `run()` to return after its current step; safe from any thread or a signal source.
    public func stop() {
        stopCondition.lock()
        stopRequested = true
        stopCondition.broadcast()
        stopCondition.unlock()
    }

    /// Sleeps up to `seconds`, returning early (true) when stopped.
    private func sleep(_ seconds: TimeInterval) -> Bool {
        stopCondition.lock()
        defer { stopCondition.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while !stopRequested && stopCondition.wait(until: deadline) {}
        return stopRequested
    }

    /// Fires due schedules and beats until `stop()`. It sleeps until the earliest `next_run_at` (or the next heartbeat),
    /// woken early by NOTIFY when a schedule changes; it never polls schedules on a fixed period. PostgreSQL or Redis
    /// being down is logged and retried with backoff, never fatal: fired executions wait in PostgreSQL until Redis is
    /// back, when the reconciler enqueues them.
    public func run() {
        workers?.start()
        let releaser = SlotReleaser(redisURL: config.redisURL, databaseURL: config.databaseURL, logger: logger, metrics: metrics)
        releaser.start()
        let logger = self.logger
        let handle: @Sendable (FiringBatch) -> Void = { batch in
            releaser.add(batch.fired)
            for broken in batch.broken {
                logger.error("schedule is broken and no longer fires (its owner, if it has one, is notified)",
                             metadata: ["schedule": "\(broken.scheduleID.uuidString.lowercased())", "reason": "\(broken.reason)"])
            }
        }
        let retention = RetentionThread(databaseURL: config.databaseURL, dataDirectory: config.dataDirectory,
                                        defaultDays: config.retentionDays, logger: logger)
        retention.start()
        let lateNotices = LateNoticeThread(config: config, logger: logger)
        lateNotices.start()
        let weeklySummaries = WeeklySummaryThread(config: config, logger: logger)
        weeklySummaries.start()
        let helper = FiringThread(databaseURL: config.databaseURL, shouldStop: { [unowned self] in isStopping }, handle: handle)
        helper.start()
        let started = Date()
        var heartbeat = Heartbeat(id: id, role: "scheduler", version: version, host: id.split(separator: ":")[1].description,
                                  pid: getpid(), startedAt: started, beatAt: started, inFlight: 0)
        var postgres: PostgresConnection?
        var listener: PostgresConnection?
        var redis: RedisConnection?
        var backoff: TimeInterval = 0.5
        var nextBeat = Date.distantPast
        var reconcileDue = true
        /// A reconcile round is needed: at start, on the heartbeat's cadence, when a NOTIFY says an execution
        /// changed (a manual run, a retry) and when a waiting execution's `not_before` comes.
        var reconcileNeeded = true
        var retryAt = Date.distantFuture
        var batchSize = 500
        logger.info("scheduler started", metadata: ["id": "\(id)"])
        while !isStopping {
            // Heartbeat first: it needs only Redis, and says the process lives even while PostgreSQL is away.
            if Date() >= nextBeat {
                do {
                    if redis == nil { redis = try RedisConnection(url: config.redisURL, commandTimeout: 5) }
                    heartbeat.beatAt = Date()
                    heartbeat.inFlight = workers?.inFlightCount ?? 0
                    try HeartbeatRegistry.beat(heartbeat, on: redis!)
                } catch {
                    redis = nil
                    logger.warning("Redis is unreachable; executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                }
                nextBeat = Date().addingTimeInterval(Self.beatInterval)
                reconcileDue = true
                reconcileNeeded = true
            }
            do {
                if postgres == nil { postgres = try PostgresConnection(url: config.databaseURL) }
                if listener == nil {
                    let connection = try PostgresConnection(url: config.databaseURL)
                    try connection.listen(ScheduleRepository.changeChannel)
                    listener = connection
                }
                let store = postgres!
                let claimed = try fireAll(store, horizon: Date().addingTimeInterval(Self.lookahead), batchSize: &batchSize,
                                          helper: helper, then: handle)
                if Date() >= retryAt { reconcileNeeded = true }
                if reconcileNeeded, let queue = redis {
                    do {
                        try reconcile(store, queue, lost: reconcileDue)
                        reconcileDue = false
                        reconcileNeeded = false
                        retryAt = try ExecutionRepository(connection: store).earliestNotBefore() ?? .distantFuture
                    } catch let error as RedisError {
                        // Executions stay queued in PostgreSQL; a later round enqueues them.
                        redis = nil
                        logger.warning("Redis is unreachable; executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                    }
                }
                backoff = 0.5
                // Woken `firingPhase` after a whole second: releases happen at whole seconds (slots and jitter are whole
                // seconds), so firing ahead then does not compete with them for the CPU, PostgreSQL or Redis.
                var due = (try ScheduleRepository(connection: store).earliestDue() ?? .distantFuture)
                    .addingTimeInterval(-Self.lookahead + Self.firingPhase)
                // Due rows that could not be fired are locked by another scheduler's firing: look again shortly.
                if claimed == 0 && due.timeIntervalSinceNow <= 0 { due = Date().addingTimeInterval(0.05) }
                let wait = min(due, retryAt, nextBeat).timeIntervalSinceNow
                if wait > 0, let listener, try sleepUntilNotified(listener, seconds: wait) { reconcileNeeded = true }
            } catch let error as PostgresError {
                // Only a lost or refused connection is the database being away; a statement it refused (a bug, a
                // schema that is not migrated) keeps the connections and is retried with the same backoff.
                if error.isTransient {
                    postgres = nil
                    listener = nil
                    logger.warning("scheduler cannot reach PostgreSQL; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                } else {
                    if !(postgres?.isConnected ?? false) { postgres = nil }
                    if !(listener?.isConnected ?? false) { listener = nil }
                    logger.error("PostgreSQL refused a statement of the firing round; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                }
                if sleep(min(backoff, max(nextBeat.timeIntervalSinceNow, 0.05))) { break }
                backoff = min(backoff * 2, 30)
            } catch {
                logger.error("firing round failed (not a database error); retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                if sleep(min(backoff, max(nextBeat.timeIntervalSinceNow, 0.05))) { break }
                backoff = min(backoff * 2, 30)
            }
        }
        helper.stop()
        retention.stop()
        lateNotices.stop()
        weeklySummaries.stop()
        releaser.stop()
        workers?.drain(deadline: config.drainSeconds)
        if let redis { try? HeartbeatRegistry.remove(id: id, on: redis) }
        logger.info("scheduler stopped", metadata: ["id": "\(id)"])
    }

    /// Puts on the streams what PostgreSQL says should be there: ready retries, manual runs and stranded slots every
    /// round; on the heartbeat's cadence (`full`) also executions whose lease ran out with nobody reclaiming them,
    /// and, if Redis lost its data, everything queued.
    private func reconcile(_ store: PostgresConnection, _ redis: RedisConnection, lost full: Bool) throws {
        let executions = ExecutionRepository(connection: store)
        let queue = ExecutionQueue(redis: redis)
        if full {
            if try !queue.epochExists() {
                // New or emptied Redis: nothing queued is on a stream, whatever enqueued_at says.
                try queue.ensureGroups()
                let lost = try executions.enqueuedAndQueued()
                try queue.enqueue(lost)
                try queue.setEpoch()
                if !lost.isEmpty {
                    logger.warning("Redis lost the queue; re-enqueued queued executions from PostgreSQL", metadata: ["count": "\(lost.count)"])
                }
            }
            let abandoned = try executions.abandoned(grace: config.leaseSeconds)
            try queue.enqueue(abandoned)
        }
        if full { try push(try executions.takeStale(), executions, queue) }
        while true {
            let ready = try executions.takeReady()
            try push(ready, executions, queue)
            if ready.count < 1000 || isStopping { break }
        }
    }

    /// Adds taken executions to the streams; if Redis fails, gives them back so a later round retries.
    private func push(_ taken: [(id: UUID, priority: Int)], _ executions: ExecutionRepository, _ queue: ExecutionQueue) throws {
        guard !taken.isEmpty else { return }
        do {
            try queue.enqueue(taken)
        } catch {
            try? executions.releaseTaken(taken.map(\.id))
            throw error
        }
        logger.debug("enqueued executions", metadata: ["count": "\(taken.count)"])
    }

    /// Waits for a NOTIFY or the deadline; true when the notification was about an execution (a manual run, a
    /// retry), which the reconciler should look at. The socket wait is sliced so that `stop()` is noticed within
    /// 0.2 s; a slice only waits on the socket, it sends no query.
    private func sleepUntilNotified(_ listener: PostgresConnection, seconds: TimeInterval) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !isStopping {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            if let notification = try listener.waitForNotification(timeout: min(remaining, 0.2)) {
                return notification.payload == "execution"
            }
        }
        return false
    }

    /// Fires batches until none is due within `horizon`, handing each to `handle` at once (so its rows can be
    /// released while later batches fire), and returns how many schedules were claimed. When a batch comes back
    /// full, `helper` fires beside this session until the round is done. Batches are sized by time.
    private func fireAll(_ store: PostgresConnection, horizon: Date, batchSize: inout Int, helper: FiringThread,
                         then handle: (FiringBatch) -> Void) throws -> Int {
        var claimed = 0
        var helperRunning = false
        defer { if helperRunning { _ = try? helper.finish() } }
        let firing = ScheduleFiring(connection: store)
        while true {
            let began = Date()
            let batch = try firing.fire(now: Date(), horizon: horizon, batchSize: batchSize)
            let full = batch.claimed == batchSize
            batchSize = Self.nextBatchSize(batchSize, claimed: batch.claimed, took: Date().timeIntervalSince(began))
            handle(batch)
            claimed += batch.claimed
            if full && !helperRunning {
                helper.begin(horizon: horizon)
                helperRunning = true
            }
            if batch.claimed == 0 || isStopping { break }
        }
        if helperRunning {
            helperRunning = false
            claimed += try helper.finish()
        }
        return claimed
    }

    /// The next batch's size: doubled after a full batch that took less than half the target, halved after one
    /// that took more than twice it.
    static func nextBatchSize(_ size: Int, claimed: Int, took: TimeInterval) -> Int {
        if claimed == size && took < batchTarget / 2 { return min(size * 2, batchSizes.upperBound) }
        if took > batchTarget * 2 { return max(size / 2, batchSizes.lowerBound) }
        return size
    }

    private var isStopping: Bool {
        stopCondition.lock()
        defer { stopCondition.unlock() }
        return stopRequested
    }
}
