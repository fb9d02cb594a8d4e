import Foundation
import HeraldQueue
import HeraldCore
import Logging
import Postgres
import Redis
import HeraldStore

/// `herald scheduler`: fires due schedules, reconciles PostgreSQL with the Redis streams, beats, and runs a
/// `WorkerPool` that executes what is queued. The firing loop's blocking I/O runs on the calling thread, which
/// `herald` dedicates to it; the workers have threads of their own.
public final class SchedulerProcess: @unchecked Sendable {
    public static let beatInterval: TimeInterval = 5
    /// How far ahead slots are fired: their rows are written early and put on the queue at their instant.
    public static let lookahead: TimeInterval = 1

    let config: HeraldConfig
    let logger: Logger
    let version: String
    let id: String
    let workers: WorkerPool?
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
        workers = config.workers > 0 ? WorkerPool(config: config, consumer: id, logger: logger) : nil
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
        let started = Date()
        var heartbeat = Heartbeat(id: id, role: "scheduler", version: version, host: id.split(separator: ":")[1].description,
                                  pid: getpid(), startedAt: started, beatAt: started, inFlight: 0)
        var postgres: PostgresConnection?
        var listener: PostgresConnection?
        var redis: RedisConnection?
        var backoff: TimeInterval = 0.5
        var nextBeat = Date.distantPast
        var reconcileDue = true
        /// Fired ahead of time, waiting for their instant; sorted by it.
        var pending: [FiredSlot] = []
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
            }
            do {
                if postgres == nil { postgres = try PostgresConnection(url: config.databaseURL) }
                if listener == nil {
                    let connection = try PostgresConnection(url: config.databaseURL)
                    try connection.listen(ScheduleRepository.changeChannel)
                    listener = connection
                }
                let store = postgres!
                func redisFailed(_ error: RedisError) {
                    // Executions stay queued in PostgreSQL; a later round enqueues them.
                    redis = nil
                    logger.warning("Redis is unreachable; executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                }
                func releaseDue() {
                    let now = Date()
                    let ready = pending.prefix { $0.runAt <= now }
                    guard !ready.isEmpty else { return }
                    pending.removeFirst(ready.count)
                    // Without Redis they stay in PostgreSQL; the reconciler enqueues them once Redis is back.
                    guard let queue = redis else { return }
                    do { try release(Array(ready), store: store, redis: queue) } catch let error as RedisError { redisFailed(error) } catch {
                        logger.warning("could not record enqueued executions", metadata: ["error": "\(error)"])
                    }
                }
                // Releases come first: firing the next second's slots must not delay this one's. Each fired batch
                // is released at once when its instant has come, so workers start while later batches fire.
                releaseDue()
                let fired = try fireAll(store, horizon: Date().addingTimeInterval(Self.lookahead)) { batch in
                    pending = (pending + batch.filter { !$0.skipped }).sorted { $0.runAt < $1.runAt }
                    releaseDue()
                }
                releaseDue()
                if let queue = redis {
                    do {
                        try reconcile(store, queue, lost: reconcileDue)
                        reconcileDue = false
                    } catch let error as RedisError { redisFailed(error) }
                }
                backoff = 0.5
                var due = (try ScheduleRepository(connection: store).earliestDue() ?? .distantFuture).addingTimeInterval(-Self.lookahead)
                // Due rows that could not be fired are locked by another scheduler's firing: look again shortly.
                if fired.isEmpty && due.timeIntervalSinceNow <= 0 { due = Date().addingTimeInterval(0.05) }
                let retry = try ExecutionRepository(connection: store).earliestNotBefore() ?? .distantFuture
                let wait = min(due, retry, pending.first?.runAt ?? .distantFuture, nextBeat).timeIntervalSinceNow
                if wait > 0, let listener { try sleepUntilNotified(listener, seconds: wait) }
            } catch {
                postgres = nil
                listener = nil
                logger.warning("scheduler cannot use PostgreSQL; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                if sleep(min(backoff, max(nextBeat.timeIntervalSinceNow, 0.05))) { break }
                backoff = min(backoff * 2, 30)
            }
        }
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

    /// Waits for a NOTIFY or the deadline. The socket wait is sliced so that `stop()` is noticed within 0.2 s; a
    /// slice only waits on the socket, it sends no query.
    private func sleepUntilNotified(_ listener: PostgresConnection, seconds: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !isStopping {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            if try listener.waitForNotification(timeout: min(remaining, 0.2)) != nil { return }
        }
    }

    private func fireAll(_ store: PostgresConnection, horizon: Date, then handle: ([FiredSlot]) throws -> Void) throws -> [FiredSlot] {
        var fired: [FiredSlot] = []
        let firing = ScheduleFiring(connection: store)
        while true {
            let batch = try firing.fireDue(now: Date(), horizon: horizon)
            try handle(batch)
            fired += batch
            if batch.isEmpty || isStopping { return fired }
        }
    }

    /// Puts fired executions on the streams at their instant, 250 per pipeline, then records when each went on.
    private func release(_ ready: [FiredSlot], store: PostgresConnection, redis: RedisConnection) throws {
        let queue = ExecutionQueue(redis: redis)
        var ids: [UUID] = []
        var times: [Double] = []
        for start in stride(from: 0, to: ready.count, by: 250) {
            let chunk = ready[start..<min(start + 250, ready.count)]
            try queue.enqueue(chunk.map { (id: $0.executionID, priority: $0.priority) })
            let at = Date().timeIntervalSince1970
            ids += chunk.map(\.executionID)
            times += Array(repeating: at, count: chunk.count)
        }
        try ExecutionRepository(connection: store).recordEnqueued(ids, at: times)
        logger.debug("enqueued executions", metadata: ["count": "\(ids.count)"])
    }

    private var isStopping: Bool {
        stopCondition.lock()
        defer { stopCondition.unlock() }
        return stopRequested
    }
}
