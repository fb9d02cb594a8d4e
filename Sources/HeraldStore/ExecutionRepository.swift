import Foundation
import Postgres

/// SQL for `executions` that the scheduler needs around enqueueing.
public struct ExecutionRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Records that the ids are on the queue, and each one's lateness (enqueue time minus slot).
    public func markEnqueued(_ ids: [UUID]) throws {
        guard !ids.isEmpty else { return }
        try connection.execute("""
            UPDATE executions
            SET enqueued_at = clock_timestamp(),
                lateness_ms = extract(epoch FROM clock_timestamp() - scheduled_for) * 1000
            WHERE id = ANY(\(ids)::uuid[]) AND enqueued_at IS NULL
            """)
    }

    /// Queued executions that never reached the queue (Redis was down, or the process died in between). Only rows
    /// older than `olderThan` seconds, so a firing process that is about to enqueue its own is not raced.
    public func queuedButNotEnqueued(olderThan: Int = 30, limit: Int = 1000) throws -> [UUID] {
        try connection.query("""
            SELECT id FROM executions
            WHERE status = 'queued' AND enqueued_at IS NULL AND created_at < now() - make_interval(secs => \(olderThan))
            ORDER BY priority DESC, scheduled_for LIMIT \(limit)
            """).map { try $0.decode("id") }
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
    public func list(scheduleID: UUID?, limit: Int = 100) throws -> [ExecutionSummary] {
        try connection.query("""
            SELECT id, schedule_id, scheduled_for, status, attempts, started_at, finished_at, error FROM executions
            WHERE \(scheduleID)::uuid IS NULL OR schedule_id = \(scheduleID)
            ORDER BY scheduled_for DESC LIMIT \(limit)
            """).map {
            ExecutionSummary(id: try $0.decode("id"), scheduleID: try $0.decode("schedule_id", as: UUID?.self),
                             scheduledFor: try $0.decode("scheduled_for"), status: try $0.decode("status"),
                             attempts: try $0.decode("attempts"), startedAt: try $0.decode("started_at", as: Date?.self),
                             finishedAt: try $0.decode("finished_at", as: Date?.self), error: try $0.decode("error", as: String?.self))
        }
    }
}
