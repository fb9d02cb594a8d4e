import Foundation
import Postgres

/// Runs of one schedule that must not overlap (a backfill run and any other run of its schedule) wait for each other
/// parked (`waiting_for_schedule`), the way runs wait for a data source slot: no timer, no hand-back loop. The end of
/// a run wakes the next one in its own transaction; parking and waking both hold the schedule's advisory lock
/// (`herald_schedule_lock_key`) from a statement of their own before they look, so neither can miss the other; every
/// transaction takes it before it writes any row, so it never waits for the lock while holding a row another wants.
extension ExecutionLeaseRepository {
    /// Parks a claimed run (queued, off the streams, the attempt returned) if it would overlap: a backfill run while
    /// any other run of its schedule runs, another run while a backfill run of its schedule runs. True when parked;
    /// false when it may go on (it keeps its lease).
    public func parkBehindScheduleRun(_ id: UUID, owner: String) throws -> Bool {
        try connection.transaction {
            _ = try connection.execute(Self.scheduleLockQuery(of: id))
            return try connection.execute("""
                UPDATE executions e
                SET status = 'queued', step = NULL, attempts = e.attempts - 1, waiting_for_schedule = true, not_before = NULL,
                    enqueued_at = NULL, lease_owner = NULL, lease_expires_at = NULL,
                    -- It has not started: its interval in the history must not overlap the run it waited for.
                    started_at = CASE WHEN e.attempts = 1 THEN NULL ELSE e.started_at END
                WHERE e.id = \(id) AND e.status = 'running' AND e.lease_owner = \(owner)
                  AND EXISTS (SELECT 1 FROM executions o
                              WHERE o.schedule_id = e.schedule_id AND o.id <> e.id AND o.status = 'running'
                                AND (e.trigger = 'backfill' OR o.trigger = 'backfill'))
                """) == 1
        }
    }

    /// Wakes the run waiting behind the schedule of execution `id` that may go now, if any; true when one was woken.
    /// For callers inside a transaction of their own (`fail`, the backfill's insert).
    func wakeBehindSchedule(after id: UUID) throws -> Bool {
        _ = try connection.execute(Self.scheduleLockQuery(of: id))
        return try !connection.query(Self.wakeBehindScheduleQuery(after: id)).isEmpty
    }

    /// The wake-up, with the schedule's lock taken by an earlier statement of the transaction (pipelined with a
    /// run's `finish`, see `finishAndWakeQueries`), so it sees every run parked before it. Fired runs waiting behind a backfill go first, then backfill runs oldest slot first, one at a time (only when
    /// nothing of the schedule runs and no other backfill run is on its way). The woken run is left for the
    /// reconcilers to take (`takeReady`), so a process killed before it put it on a stream loses nothing.
    static func wakeBehindScheduleQuery(after id: UUID) -> PostgresQuery {
        """
            WITH schedule AS (
                SELECT schedule_id AS id FROM executions WHERE id = \(id) AND schedule_id IS NOT NULL
            ), next AS (
                SELECT p.id, p.trigger FROM executions p, schedule
                WHERE p.schedule_id = schedule.id AND p.status = 'queued' AND p.waiting_for_schedule
                ORDER BY p.trigger = 'backfill', p.scheduled_for LIMIT 1
            )
            UPDATE executions w SET waiting_for_schedule = false
            FROM next, schedule
            WHERE w.id = next.id AND w.status = 'queued' AND w.waiting_for_schedule
              AND CASE WHEN next.trigger = 'backfill'
                       THEN NOT EXISTS (SELECT 1 FROM executions o WHERE o.schedule_id = schedule.id AND o.id <> w.id
                                          AND (o.status = 'running'
                                               OR (o.status = 'queued' AND o.trigger = 'backfill' AND NOT o.waiting_for_schedule)))
                       ELSE NOT EXISTS (SELECT 1 FROM executions o WHERE o.schedule_id = schedule.id AND o.status = 'running'
                                          AND o.trigger = 'backfill') END
            RETURNING w.id
            """
    }

    static func scheduleLockQuery(of id: UUID) -> PostgresQuery {
        """
            SELECT pg_advisory_xact_lock(herald_schedule_lock_key(schedule_id)) FROM executions
            WHERE id = \(id) AND schedule_id IS NOT NULL
            """
    }
}
