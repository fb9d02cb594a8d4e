import Foundation
import HeraldStore
import Logging
import Postgres
import Redis

/// Puts executions that were fired ahead onto the streams at their instant (`not_before`), on a thread and with
/// Redis and PostgreSQL connections of its own, so that firing later slots (statements that may take long on a slow
/// day) never delays an instant. At an instant it only `XADD`s (250 per pipeline) and notes the time; it records
/// those times in PostgreSQL afterwards, when no other instant is about to come.
///
/// What it holds is also in PostgreSQL (queued, not enqueued): if this process dies or Redis is away, the
/// reconciler of any scheduler enqueues those rows a little after their time.
final class SlotReleaser: @unchecked Sendable {
    /// Recording waits while the next instant is closer than this, so that its round trip cannot delay it.
    static let quietBeforeInstant: TimeInterval = 0.05
    /// ... but never longer than this: the reconciler takes unrecorded rows 2 s after their time.
    static let maximumRecordDelay: TimeInterval = 0.5

    private let redisURL: String
    private let databaseURL: String
    private let logger: Logger
    private let condition = NSCondition()
    /// Waiting for their instant, sorted by it. Guarded by `condition`.
    private var pending: [FiredSlot] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(redisURL: String, databaseURL: String, logger: Logger) {
        self.redisURL = redisURL
        self.databaseURL = databaseURL
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "herald-releaser"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Stops after the current release and waits for the thread. What was not released stays in PostgreSQL.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        if thread != nil { finished.wait() }
        thread = nil
    }

    /// Hands over fired slots (skipped ones are ignored); the earliest instant wakes the thread.
    func add(_ slots: [FiredSlot]) {
        let added = slots.filter { !$0.skipped }.sorted { $0.runAt < $1.runAt }
        guard !added.isEmpty else { return }
        condition.lock()
        pending = Self.merge(pending, added)
        condition.signal()
        condition.unlock()
    }

    var pendingCount: Int { condition.withLock { pending.count } }

    /// Two arrays sorted by `runAt`, merged (a batch is usually later than everything pending: then it is appended).
    static func merge(_ a: [FiredSlot], _ b: [FiredSlot]) -> [FiredSlot] {
        if let last = a.last, let first = b.first, last.runAt <= first.runAt { return a + b }
        var merged: [FiredSlot] = []
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
        var redis: RedisConnection?
        var redisRetryAt = Date.distantPast
        var store: PostgresConnection?
        /// Released, not yet recorded in PostgreSQL.
        var unrecordedIDs: [UUID] = []
        var unrecordedTimes: [Double] = []
        var oldestUnrecorded = Date.distantFuture
        while true {
            condition.lock()
            var ready: [FiredSlot] = []
            while !stopping {
                let now = Date()
                if let first = pending.first, first.runAt <= now {
                    let count = pending.prefix { $0.runAt <= now }.count
                    ready = Array(pending.prefix(count))
                    pending.removeFirst(count)
                    break
                }
                let nextInstant = pending.first?.runAt ?? .distantFuture
                // Record when the next instant is not close, or the records have waited long enough.
                if !unrecordedIDs.isEmpty
                    && (nextInstant.timeIntervalSince(now) > Self.quietBeforeInstant
                        || now.timeIntervalSince(oldestUnrecorded) > Self.maximumRecordDelay) { break }
                let wake = unrecordedIDs.isEmpty ? nextInstant : min(nextInstant, oldestUnrecorded.addingTimeInterval(Self.maximumRecordDelay))
                // (Foundation traps on a deadline as far as `distantFuture`.)
                if wake == .distantFuture { condition.wait() } else { _ = condition.wait(until: wake) }
            }
            let stop = stopping
            condition.unlock()

            if !ready.isEmpty {
                if redis == nil && Date() >= redisRetryAt {
                    do { redis = try RedisConnection(url: redisURL, connectTimeout: 1, commandTimeout: 5) } catch {
                        logger.warning("Redis is unreachable; fired executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                        redisRetryAt = Date().addingTimeInterval(1)
                    }
                }
                // Without Redis they stay in PostgreSQL; the reconciler enqueues them once Redis is back.
                if let queue = redis.map(ExecutionQueue.init) {
                    do {
                        for start in stride(from: 0, to: ready.count, by: 250) {
                            let chunk = ready[start..<min(start + 250, ready.count)]
                            try queue.enqueue(chunk.map { (id: $0.executionID, priority: $0.priority) })
                            let at = Date().timeIntervalSince1970
                            if unrecordedIDs.isEmpty { oldestUnrecorded = Date() }
                            unrecordedIDs += chunk.map(\.executionID)
                            unrecordedTimes += repeatElement(at, count: chunk.count)
                        }
                    } catch {
                        redis = nil
                        redisRetryAt = Date().addingTimeInterval(1)
                        logger.warning("Redis is unreachable; fired executions wait in PostgreSQL", metadata: ["error": "\(error)"])
                    }
                }
                if !stop { continue }
            }
            if !unrecordedIDs.isEmpty {
                do {
                    if store == nil { store = try PostgresConnection(url: databaseURL) }
                    try ExecutionRepository(connection: store!).recordEnqueued(unrecordedIDs, at: unrecordedTimes)
                } catch {
                    // Unrecorded rows look stranded to the reconciler, which enqueues them again: a duplicate entry
                    // is harmless (the lease decides who runs it).
                    if (error as? PostgresError)?.isTransient ?? true { store = nil }
                    logger.warning("could not record enqueued executions", metadata: ["error": "\(error)", "count": "\(unrecordedIDs.count)"])
                }
                unrecordedIDs.removeAll(keepingCapacity: true)
                unrecordedTimes.removeAll(keepingCapacity: true)
                oldestUnrecorded = .distantFuture
            }
            if stop { return }
        }
    }
}
