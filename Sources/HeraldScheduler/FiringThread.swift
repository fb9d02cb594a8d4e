import Foundation
import HeraldStore
import Postgres

/// A second firing session on a thread of its own. When a round finds more due than one batch (a burst, a restart
/// with a backlog), it fires beside the loop's session, `SKIP LOCKED` keeping the two on different schedules, so the
/// round uses two PostgreSQL backends instead of waiting on one.
final class FiringThread: @unchecked Sendable {
    private let databaseURL: String
    private let handle: @Sendable (FiringBatch) -> Void
    private let shouldStop: @Sendable () -> Bool
    private let condition = NSCondition()
    /// The horizon of the round asked for; nil when idle.
    private var horizon: Date?
    private var outcome: Result<Int, any Error>?
    private var stopping = false
    private let thread = DedicatedThread()

    /// `handle` gets every batch this thread fires, on this thread; a round ends early once `shouldStop` says so
    /// (the process is stopping), as the loop's own does.
    init(databaseURL: String, shouldStop: @escaping @Sendable () -> Bool, handle: @escaping @Sendable (FiringBatch) -> Void) {
        self.databaseURL = databaseURL
        self.shouldStop = shouldStop
        self.handle = handle
    }

    func start() {
        thread.start(name: "herald-firing") { [self] in run() }
    }

    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        thread.join()
    }

    /// Starts firing everything due up to `horizon`, in the background.
    func begin(horizon: Date) {
        condition.withLock {
            self.horizon = horizon
            outcome = nil
            condition.broadcast()
        }
    }

    /// Waits for the round `begin` started; returns how many schedules it claimed, or throws what stopped it.
    func finish() throws -> Int {
        condition.lock()
        while outcome == nil && !stopping { condition.wait() }
        let result = outcome ?? .success(0)
        outcome = nil
        condition.unlock()
        return try result.get()
    }

    private func run() {
        var connection: PostgresConnection?
        var batchSize = 500
        while true {
            condition.lock()
            while horizon == nil && !stopping { condition.wait() }
            let round = horizon
            horizon = nil
            let stop = stopping
            condition.unlock()
            guard let round, !stop else { return }
            let result = Result<Int, any Error> {
                if connection == nil { connection = try PostgresConnection(url: databaseURL) }
                let firing = ScheduleFiring(connection: connection!)
                var claimed = 0
                while !condition.withLock({ stopping }) && !shouldStop() {
                    let began = Date()
                    let batch = try firing.fire(now: Date(), horizon: round, batchSize: batchSize)
                    batchSize = SchedulerProcess.nextBatchSize(batchSize, claimed: batch.claimed, took: Date().timeIntervalSince(began))
                    handle(batch)
                    claimed += batch.claimed
                    if batch.claimed == 0 { break }
                }
                return claimed
            }
            if case .failure(let error) = result, (error as? PostgresError)?.isTransient ?? true { connection = nil }
            condition.withLock {
                outcome = result
                condition.broadcast()
            }
        }
    }
}
