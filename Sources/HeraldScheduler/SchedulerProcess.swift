import Foundation
import HeraldCore
import Logging
import Postgres
import Redis
import HeraldStore

/// `herald scheduler`. For now it connects, proves PostgreSQL is reachable, and beats every few seconds until it is
/// told to stop; firing and executing schedules arrive with their own issue. All blocking I/O runs on the calling
/// thread, which `herald` dedicates to it.
public final class SchedulerProcess: @unchecked Sendable {
    public static let beatInterval: TimeInterval = 5

    let config: HeraldConfig
    let logger: Logger
    let version: String
    let id: String
    private let stopCondition = NSCondition()
    private var stopRequested = false

    public init(config: HeraldConfig, version: String, logger: Logger) {
        self.config = config
        self.version = version
        self.logger = logger
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.id = "scheduler:\(hostName):\(getpid())"
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
        let started = Date()
        var heartbeat = Heartbeat(id: id, role: "scheduler", version: version, host: id.split(separator: ":")[1].description,
                                  pid: getpid(), startedAt: started, beatAt: started, inFlight: 0)
        var postgres: PostgresConnection?
        var listener: PostgresConnection?
        var redis: RedisConnection?
        var backoff: TimeInterval = 0.5
        var nextBeat = Date.distantPast
        logger.info("scheduler started", metadata: ["id": "\(id)"])
        while !isStopping {
            // Heartbeat first: it needs only Redis, and says the process lives even while PostgreSQL is away.
            if Date() >= nextBeat {
                do {
                    if redis == nil {
                        redis = try RedisConnection(url: config.redisURL, commandTimeout: 5)
                        try ExecutionQueue(redis: redis!).ensureGroup()
                    }
                    heartbeat.beatAt = Date()
                    try HeartbeatRegistry.beat(heartbeat, on: redis!)
                } catch {
                    redis = nil
                    logger.warning("Redis is unreachable; executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                }
                nextBeat = Date().addingTimeInterval(Self.beatInterval)
            }
            do {
                if postgres == nil { postgres = try PostgresConnection(url: config.databaseURL) }
                if listener == nil {
                    let connection = try PostgresConnection(url: config.databaseURL)
                    try connection.listen(ScheduleRepository.changeChannel)
                    listener = connection
                }
                let store = postgres!
                let fired = try fireAll(store)
                if let queue = redis {
                    do {
                        let stranded = try ExecutionRepository(connection: store).queuedButNotEnqueued().filter { !fired.contains($0) }
                        try enqueue(fired + stranded, store: store, redis: queue)
                    } catch let error as RedisError {
                        // Executions stay queued in PostgreSQL; a later round enqueues them.
                        redis = nil
                        logger.warning("Redis is unreachable; executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                    }
                }
                backoff = 0.5
                let due = try ScheduleRepository(connection: store).earliestDue() ?? .distantFuture
                let seconds = min(due, nextBeat).timeIntervalSinceNow
                if seconds > 0 { _ = try listener?.waitForNotification(timeout: seconds) }
            } catch {
                postgres = nil
                listener = nil
                logger.warning("scheduler cannot use PostgreSQL; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                if sleep(min(backoff, max(nextBeat.timeIntervalSinceNow, 0.05))) { break }
                backoff = min(backoff * 2, 30)
            }
        }
        if let redis { try? HeartbeatRegistry.remove(id: id, on: redis) }
        logger.info("scheduler stopped", metadata: ["id": "\(id)"])
    }

    private func fireAll(_ store: PostgresConnection) throws -> [UUID] {
        var ids: [UUID] = []
        let firing = ScheduleFiring(connection: store)
        while true {
            let batch = try firing.fireDue(now: Date())
            ids += batch.map(\.executionID)
            if batch.isEmpty || isStopping { return ids }
        }
    }

    private func enqueue(_ ids: [UUID], store: PostgresConnection, redis: RedisConnection) throws {
        guard !ids.isEmpty else { return }
        try ExecutionQueue(redis: redis).enqueue(ids)
        try ExecutionRepository(connection: store).markEnqueued(ids)
        logger.debug("enqueued executions", metadata: ["count": "\(ids.count)"])
    }

    private var isStopping: Bool {
        stopCondition.lock()
        defer { stopCondition.unlock() }
        return stopRequested
    }
}
