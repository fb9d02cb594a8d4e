import Foundation
import Postgres

/// Why an execution exists: a slot of the recurrence (`schedule`, or `catch_up` when fired late by the misfire
/// policy, or `backfill` when a person asked for past slots), or a request (`manual`, `test`). Matches the
/// `executions.trigger` check.
public enum ExecutionTrigger: String, Sendable, CaseIterable {
    case schedule, catchUp = "catch_up", manual, test, backfill

    /// Slots carry the unique `(schedule_id, scheduled_for)` key; requests do not.
    public var isSlot: Bool { self == .schedule || self == .catchUp || self == .backfill }
}

/// SQL for `executions` that the scheduler needs around enqueueing, and the insert of requested runs.
public struct ExecutionRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Records when fired executions went onto the stream (`XADD` first, then this: the firing process owns their
    /// release), and each one's lateness: enqueue time minus slot. A row that a worker has since claimed and handed
    /// back is left alone, so it stays visible to the reconciler. The only join is `unnest` → the primary key (an
    /// extra `id = ANY(ids)` made generic plans scan the ids as the outer side and rescan `unnest` for every row).
    public func recordEnqueued(_ ids: [UUID], at times: [Double]) throws {
        guard !ids.isEmpty else { return }
        try connection.execute("""
            UPDATE executions e
            SET enqueued_at = to_timestamp(r.at), lateness_ms = coalesce(e.lateness_ms, (r.at - extract(epoch FROM e.scheduled_for)) * 1000)
            FROM unnest(\(ids)::uuid[], \(times)::float8[]) AS r(id, at)
            WHERE e.id = r.id AND e.enqueued_at IS NULL
              AND NOT (e.status = 'queued' AND e.started_at IS NOT NULL)
            """)
    }

    /// The one insert for runs outside the recurrence (`manual`, `test`): `scheduled_for` is the request's instant at
    /// full precision, and only slots (`schedule`, `catch_up`) are keyed on `(schedule_id, scheduled_for)`, so such a
    /// run never takes, or is refused by, a slot. `enqueued` marks it as taken by the caller (`herald run-once` runs it
    /// in its own process), so no reconciler puts it on a stream. Nil when the schedule does not exist.
    public func insertRun(scheduleID: UUID, trigger: ExecutionTrigger, destinations: [UUID]? = nil, requestedBy: UUID? = nil,
                          enqueued: Bool = false) throws -> UUID? {
        try connection.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, priority, destination_ids, requested_by, enqueued_at)
            SELECT id, report_id, clock_timestamp(), \(trigger.rawValue), priority, \(destinations)::uuid[], \(requestedBy),
                   CASE WHEN \(enqueued) THEN clock_timestamp() END
            FROM schedules WHERE id = \(scheduleID)
            RETURNING id
            """).first?.decode("id")
    }

    /// Undoes `takeReady` or `takeStale` when adding to the stream failed (Redis went away): a later round enqueues them.
    public func releaseTaken(_ ids: [UUID]) throws {
        guard !ids.isEmpty else { return }
        try connection.execute("UPDATE executions SET enqueued_at = NULL WHERE id = ANY(\(ids)::uuid[]) AND status = 'queued'")
    }

    /// Takes (marks enqueued, then the caller adds them to the stream) queued executions that are ready to run but not on the queue: retries whose
    /// backoff is over, deferred, handed-back and woken runs (never parked ones), manual, test and backfill runs, and fired slots that never reached
    /// Redis (it was down, or the firing process died before releasing them). Fired slots only `firedGrace` seconds
    /// after their time and after they were written (a slot fired late is released at once by the process that fired
    /// it), so that process is not raced. `SKIP LOCKED`: two reconcilers never take
    /// the same row.
    public func takeReady(firedGrace: Int = 2, limit: Int = 1000) throws -> [(id: UUID, priority: Int)] {
        try connection.query("""
            UPDATE executions
            SET enqueued_at = clock_timestamp(),
                lateness_ms = coalesce(lateness_ms, extract(epoch FROM clock_timestamp() - scheduled_for) * 1000)
            WHERE id IN (
                SELECT id FROM executions
                WHERE status = 'queued' AND enqueued_at IS NULL AND waiting_source_id IS NULL AND NOT waiting_for_schedule
                  AND coalesce(not_before, created_at) <= now()
                  AND (trigger IN ('manual', 'test', 'backfill') OR started_at IS NOT NULL
                       OR (coalesce(not_before, created_at) < now() - make_interval(secs => \(firedGrace))
                           AND created_at < now() - make_interval(secs => \(firedGrace))))
                ORDER BY priority DESC, scheduled_for LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING id, priority
            """).map { (try $0.decode("id"), try $0.decode("priority")) }
    }

    /// Takes queued executions marked enqueued long ago and still not started: a process died between marking and
    /// `XADD`, or the entry was lost. Enqueued again (a duplicate entry is harmless: the lease decides who runs it).
    public func takeStale(olderThan seconds: Int = 300, limit: Int = 1000) throws -> [(id: UUID, priority: Int)] {
        try connection.query("""
            UPDATE executions SET enqueued_at = clock_timestamp()
            WHERE id IN (
                SELECT id FROM executions
                WHERE status = 'queued' AND enqueued_at < now() - make_interval(secs => \(seconds))
                ORDER BY priority DESC, scheduled_for LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING id, priority
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

    /// Queued executions believed to be on a stream: after Redis lost its data, all of them must be enqueued again.
    public func enqueuedAndQueued() throws -> [(id: UUID, priority: Int)] {
        try connection.query("""
            SELECT id, priority FROM executions WHERE status = 'queued' AND enqueued_at IS NOT NULL ORDER BY priority DESC, scheduled_for
            """).map { (try $0.decode("id"), try $0.decode("priority")) }
    }

    /// When the next queued execution that the reconciler must enqueue becomes ready (a retry's backoff, a deferred
    /// or handed-back start, a requested run), if any. Slots fired ahead and not started yet are left out: the process
    /// that fired them releases them at their instant, and the reconciler's regular round finds stranded ones.
    public func earliestNotBefore() throws -> Date? {
        try connection.query("""
            SELECT min(not_before) AS at FROM executions
            WHERE status = 'queued' AND enqueued_at IS NULL AND not_before IS NOT NULL AND NOT waiting_for_schedule
              AND (trigger IN ('manual', 'test', 'backfill') OR started_at IS NOT NULL)
            """)[0].decode("at", as: Date?.self)
    }
}
