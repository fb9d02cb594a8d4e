import Foundation
import HeraldMetrics
import HeraldQueue
import HeraldStore
import Logging
import Redis

/// Puts executions that were fired ahead onto the streams at their instant (`not_before`), on a thread and with
/// Redis and PostgreSQL connections of its own, so that firing later slots (statements that may take long on a slow
/// day) never delays an instant. At an instant it only appends the ids to the streams (500 per script call, the
/// payloads prepared when the slots were handed over) and notes the time; an `EnqueueRecorder` writes those times to
/// PostgreSQL on a thread of its own.
///
/// What it holds is also in PostgreSQL (queued, not enqueued): if this process dies or Redis is away, the
/// reconciler of any scheduler enqueues those rows a little after their time.
final class SlotReleaser: @unchecked Sendable {
    private let redisURL: String
    private let databaseURL: String
    private let logger: Logger
    private let metrics: SchedulerMetrics?
    private let condition = NSCondition()
    /// One fired execution waiting for its instant, its stream payload prepared ahead.
    struct Pending {
        let runAt: Date
        let id: UUID
        let payload: String
        let priority: Int
    }
    /// Releases are sent in chunks of this many, each timed on its own.
    static let chunk = 500
    /// Waiting for their instant, sorted by it. Guarded by `condition`.
    private var pending: [Pending] = []
    private var stopping = false
    private let thread = DedicatedThread()

    init(redisURL: String, databaseURL: String, logger: Logger, metrics: SchedulerMetrics? = nil) {
        self.redisURL = redisURL
        self.databaseURL = databaseURL
        self.logger = logger
        self.metrics = metrics
    }

    func start() {
        thread.start(name: "herald-releaser") { [self] in run() }
    }

    /// Stops after the current release and waits for the thread. What was not released stays in PostgreSQL.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        thread.join()
    }

    /// Hands over fired slots (skipped ones are ignored); the earliest instant wakes the thread.
    func add(_ slots: [FiredSlot]) {
        let added = slots.filter { !$0.skipped }.sorted { $0.runAt < $1.runAt }
            .map { Pending(runAt: $0.runAt, id: $0.executionID, payload: $0.executionID.uuidString.lowercased(), priority: $0.priority) }
        guard !added.isEmpty else { return }
        condition.lock()
        pending = Self.merge(pending, added)
        condition.signal()
        condition.unlock()
    }

    var pendingCount: Int { condition.withLock { pending.count } }

    /// Two arrays sorted by `runAt`, merged (a batch is usually later than everything pending: then it is appended).
    static func merge(_ a: [Pending], _ b: [Pending]) -> [Pending] {
        if let last = a.last, let first = b.first, last.runAt <= first.runAt { return a + b }
        var merged: [Pending] = []
        merged.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i].runAt <= b[j].runAt { merged.append(a[i]); i += 1 } else { merged.append(b[j]); j += 1 }
        }
        merged += a[i...]
        merged += b[j...]
        return merged
    }

    private func run() {
        let recorder = EnqueueRecorder(databaseURL: databaseURL, logger: logger)
        recorder.start()
        defer { recorder.stop() }
        var redis: RedisConnection?
        var redisRetryAt = Date.distantPast
        while true {
            condition.lock()
            var ready: [Pending] = []
            while !stopping {
                let now = Date()
                if let first = pending.first, first.runAt <= now {
                    let count = pending.prefix { $0.runAt <= now }.count
                    ready = Array(pending.prefix(count))
                    pending.removeFirst(count)
                    break
                }
                // (Foundation traps on a deadline as far as `distantFuture`.)
                if let next = pending.first?.runAt { _ = condition.wait(until: next) } else { condition.wait() }
            }
            let stop = stopping
            condition.unlock()
            if stop { return }

            if redis == nil && Date() >= redisRetryAt {
                do { redis = try RedisConnection(url: redisURL, connectTimeout: 1, commandTimeout: 5) } catch {
                    logger.warning("Redis is unreachable; fired executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                    redisRetryAt = Date().addingTimeInterval(1)
                }
            }
            // Without Redis they stay in PostgreSQL; the reconciler enqueues them once Redis is back.
            guard let queue = redis.map(ExecutionQueue.init) else { continue }
            var released: [UUID] = [], times: [Double] = []
            do {
                for start in stride(from: 0, to: ready.count, by: Self.chunk) {
                    let chunk = ready[start..<min(start + Self.chunk, ready.count)]
                    try queue.enqueue(ids: Dictionary(grouping: chunk, by: \.priority).mapValues { $0.map(\.payload) })
                    let at = Date().timeIntervalSince1970
                    if let lateness = metrics?.firingLateness {
                        for slot in chunk { lateness.observe(max(at - slot.runAt.timeIntervalSince1970, 0)) }
                    }
                    released += chunk.map(\.id)
                    times += repeatElement(at, count: chunk.count)
                }
            } catch {
                redis = nil
                redisRetryAt = Date().addingTimeInterval(1)
                logger.warning("Redis is unreachable; fired executions wait in PostgreSQL", metadata: ["error": "\(error)"])
            }
            recorder.record(released, at: times)
        }
    }
}
