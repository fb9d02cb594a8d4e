import Foundation
import HeraldCore
import Postgres

/// What a backfill queued.
public struct BackfillResult: Sendable, Equatable {
    /// Runs queued, re-runs included.
    public let created: Int
    /// Of those, slots that had run before and are run again (`rerun`).
    public let rerun: Int
    /// Slots left alone: they have a run already (or one still going, which is never re-run).
    public let skipped: Int
    /// The queued runs, oldest slot first.
    public let executionIDs: [UUID]
}

extension ScheduleService {
    /// Queues one run (trigger `backfill`, `scheduled_for` = the slot, its logical time) for every past slot of the
    /// schedule's own recurrence from local midnight of `from` to the end of `to` in its zone, at most
    /// `limits.maxBackfill`. A slot that has a run already is skipped, unless `rerun`: then a finished run of it is
    /// kept as it ended, marked superseded, and a new run for the slot names it (`rerun_of`). The runs go one after
    /// another, never beside another run of the schedule: all are inserted parked behind the schedule, and only the
    /// oldest is woken (now if nothing of the schedule runs, else by the end of what runs).
    public func backfill(_ id: UUID, from: String, to: String, rerun: Bool, actor: Actor, now: Date = Date()) throws -> BackfillResult {
        try connection.transaction {
            // The schedule's queue lock before its row, in the order a run's end takes them (no deadlock with it).
            try connection.execute("SELECT pg_advisory_xact_lock(herald_schedule_lock_key(\(id)))")
            let record = try lockForChange(id, actor: actor)
            let instant = Int64(now.timeIntervalSince1970)
            let range = try BackfillRange.parse(from: from, to: to, timeZone: record.recurrence.timeZone, now: instant)
            let slots = try range.slots(of: record.recurrence, compiled: try record.recurrence.compile(), now: instant, limit: limits.maxBackfill)
            guard !slots.isEmpty else {
                throw ValidationErrors([ValidationError(field: "to", message: "no run of this schedule falls between from and to")])
            }
            var replaced: (ids: [UUID], slots: [Int64]) = ([], [])
            if rerun {
                // Only finished runs: one still queued or running is on its way already.
                for row in try connection.query("""
                    UPDATE executions SET superseded_at = clock_timestamp()
                    WHERE schedule_id = \(id) AND scheduled_for = ANY(SELECT to_timestamp(unnest(\(slots)::bigint[])))
                      AND trigger IN ('schedule', 'catch_up', 'backfill') AND superseded_at IS NULL
                      AND status IN ('succeeded', 'partial', 'failed', 'skipped', 'cancelled')
                    RETURNING id, extract(epoch FROM scheduled_for)::bigint AS slot
                    """) {
                    replaced.ids.append(try row.decode("id"))
                    replaced.slots.append(try row.decode("slot"))
                }
            }
            let created = try connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, priority, requested_by, waiting_for_schedule, rerun_of)
                SELECT s.id, s.report_id, to_timestamp(wanted.at), 'backfill', s.priority, \(actor.userID), true, earlier.id
                FROM schedules s CROSS JOIN unnest(\(slots)::bigint[]) AS wanted(at)
                LEFT JOIN unnest(\(replaced.ids)::uuid[], \(replaced.slots)::bigint[]) AS earlier(id, at) ON earlier.at = wanted.at
                WHERE s.id = \(id)
                ORDER BY wanted.at
                ON CONFLICT (schedule_id, scheduled_for) WHERE trigger IN ('schedule', 'catch_up', 'backfill') AND superseded_at IS NULL
                DO NOTHING
                RETURNING id, scheduled_for
                """).map { (id: try $0.decode("id", as: UUID.self), slot: try $0.decode("scheduled_for", as: Date.self)) }
                .sorted { $0.slot < $1.slot }.map(\.id)
            if let first = created.first {
                _ = try ExecutionLeaseRepository(connection: connection).wakeBehindSchedule(after: first)
                try connection.notify(ScheduleRepository.changeChannel, payload: "execution")
            }
            let result = BackfillResult(created: created.count, rerun: replaced.ids.count, skipped: slots.count - created.count,
                                        executionIDs: created)
            try audit(actor, "schedule.backfill", id, ["from": from, "to": to, "rerun": "\(rerun)", "created": "\(result.created)",
                                                       "rerun_slots": "\(result.rerun)", "skipped": "\(result.skipped)"])
            return result
        }
    }
}
