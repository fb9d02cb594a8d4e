import Foundation
import Postgres

/// SQL for `executions` that the scheduler needs around enqueueing.
public struct ExecutionRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Records that the ids are on the queue, and each one's lateness (first enqueue time minus slot).
    public func markEnqueued(_ ids: [UUID]) throws {
        guard !ids.isEmpty else { return }
        try connection.execute("""
            UPDATE executions
            SET enqueued_at = clock_timestamp(),
                lateness_ms = coalesce(lateness_ms, extract(epoch FROM clock_timestamp() - scheduled_for) * 1000)
            WHERE id = ANY(\(ids)::uuid[]) AND enqueued_at IS NULL
            """)
    }

    /// Queued executions ready to run that are not on the queue: retries whose backoff is over, manual and test
    /// runs, and fired slots that never reached Redis (it was down, or the firing process died before `XADD`).
    /// Fired slots only after `firedGrace` seconds, so the process that fired them is not raced.
    public func readyToEnqueue(firedGrace: Int = 30, limit: Int = 1000) throws -> [(id: UUID, priority: Int)] {
        try connection.query("""
            SELECT id, priority FROM executions
            WHERE status = 'queued' AND enqueued_at IS NULL
              AND coalesce(not_before, created_at) <= now()
              AND (not_before IS NOT NULL OR trigger IN ('manual', 'test')
                   OR created_at < now() - make_interval(secs => \(firedGrace)))
            ORDER BY priority DESC, scheduled_for LIMIT \(limit)
            """).map { (try $0.decode("id"), try $0.decode("priority")) }
    }

    /// Running executions whose lease ran out `grace` seconds ago or more and that no worker has reclaimed: their
    /// stream entry was lost with Redis. Put back on the stream, a worker reclaims them (attempt + 1).
    public func abandoned(grace: Double, limit: Int = 1000) throws -> [(id: UUID, priority: Int)] {
        try connection.query("""
            SELECT id, priority FROM executions
            WHERE status = 'running' AND lease_expires_at < now() - make_interval(secs => \(grace))
            ORDER BY priority DESC LIMIT \(limit)
            """).map { (try $0.decode("id"), try $0.decode("priority")) }
    }

    /// After Redis lost its data, nothing queued is on the stream any more: forget that it was.
    public func forgetEnqueued() throws {
        try connection.execute("UPDATE executions SET enqueued_at = NULL WHERE status = 'queued' AND enqueued_at IS NOT NULL")
    }

    /// When the next queued execution becomes ready (a retry's backoff, a deferred start), if any.
    public func earliestNotBefore() throws -> Date? {
        try connection.query("""
            SELECT min(not_before) AS at FROM executions WHERE status = 'queued' AND enqueued_at IS NULL AND not_before IS NOT NULL
            """)[0].decode("at", as: Date?.self)
    }
}

/// One row of `herald execution list` (and, later, the history page and API).
public struct ExecutionSummary: Sendable, Codable, Equatable {
    public let id: UUID
    public let scheduleID: UUID?
    public let scheduledFor: Date
    public let status: String
    public let attempts: Int
    public let startedAt: Date?
    public let finishedAt: Date?
    public let error: String?

    enum CodingKeys: String, CodingKey {
        case id, status, attempts, error
        case scheduleID = "schedule_id", scheduledFor = "scheduled_for", startedAt = "started_at", finishedAt = "finished_at"
    }
}

extension ExecutionRepository {
    /// Newest slots first.
    public func list(scheduleID: UUID?, deadOnly: Bool = false, limit: Int = 100) throws -> [ExecutionSummary] {
        try connection.query("""
            SELECT id, schedule_id, scheduled_for, status, attempts, started_at, finished_at, error FROM executions
            WHERE (\(scheduleID)::uuid IS NULL OR schedule_id = \(scheduleID)) AND (NOT \(deadOnly) OR dead_lettered_at IS NOT NULL)
            ORDER BY scheduled_for DESC LIMIT \(limit)
            """).map {
            ExecutionSummary(id: try $0.decode("id"), scheduleID: try $0.decode("schedule_id", as: UUID?.self),
                             scheduledFor: try $0.decode("scheduled_for"), status: try $0.decode("status"),
                             attempts: try $0.decode("attempts"), startedAt: try $0.decode("started_at", as: Date?.self),
                             finishedAt: try $0.decode("finished_at", as: Date?.self), error: try $0.decode("error", as: String?.self))
        }
    }
}
