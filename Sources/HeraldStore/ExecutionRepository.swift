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
