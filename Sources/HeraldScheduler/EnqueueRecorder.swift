import Foundation
import HeraldStore
import Logging
import Postgres

/// Records in PostgreSQL when released executions went onto the streams, on a thread and connection of its own: a
/// slow commit (fsync on a busy disk) then delays only the record, never the next instant's release. What arrives
/// while a write runs is written together in the next one.
final class EnqueueRecorder: @unchecked Sendable {
    static let chunk = 500
    private let databaseURL: String
    private let logger: Logger
    private let condition = NSCondition()
    private var ids: [UUID] = []
    private var times: [Double] = []
    private var stopping = false
    private let thread = DedicatedThread()

    init(databaseURL: String, logger: Logger) {
        self.databaseURL = databaseURL
        self.logger = logger
    }

    func start() {
        thread.start(name: "herald-recorder") { [self] in run() }
    }

    /// Writes what is still queued, then stops.
    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        thread.join()
    }

    func record(_ released: [UUID], at releasedAt: [Double]) {
        guard !released.isEmpty else { return }
        condition.withLock {
            ids += released
            times += releasedAt
            condition.signal()
        }
    }

    private func run() {
        var store: PostgresConnection?
        while true {
            condition.lock()
            while ids.isEmpty && !stopping { condition.wait() }
            let batchIDs = ids, batchTimes = times
            ids.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
            let stop = stopping
            condition.unlock()
            if !batchIDs.isEmpty {
                do {
                    if store == nil { store = try PostgresConnection(url: databaseURL) }
                    // In statements of `chunk` rows: each holds its rows' locks only until its own commit, so a worker
                    // claiming one of them waits for a small statement, not for all that arrived together.
                    for start in stride(from: 0, to: batchIDs.count, by: Self.chunk) {
                        let end = min(start + Self.chunk, batchIDs.count)
                        try ExecutionRepository(connection: store!).recordEnqueued(Array(batchIDs[start..<end]), at: Array(batchTimes[start..<end]))
                    }
                } catch {
                    // Unrecorded rows look stranded to the reconciler, which enqueues them again: a duplicate entry
                    // is harmless (the lease decides who runs it).
                    if (error as? PostgresError)?.isTransient ?? true { store = nil }
                    logger.warning("could not record enqueued executions", metadata: ["error": "\(error)", "count": "\(batchIDs.count)"])
                }
            }
            if stop { return }
        }
    }
}
