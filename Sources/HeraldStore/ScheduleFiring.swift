import Foundation
import HeraldCore
import Postgres

/// One execution row created by firing.
public struct FiredSlot: Sendable, Equatable {
    public let executionID: UUID
    public let scheduleID: UUID
    public let scheduledFor: Date
    public let missedCount: Int
    public let priority: Int
    /// Recorded as `skipped` by the overlap policy: nothing to enqueue.
    public let skipped: Bool
    /// When it may start (its slot plus the schedule's jitter): the execution goes on the queue then, not before.
    public let runAt: Date
}

/// Decoded and compiled recurrences by their stored JSON: 100,000 schedules usually share a few dozen, and
/// compiling one (parsing the cron expression) costs more than computing its next run.
final class RecurrenceCache: @unchecked Sendable {
    static let shared = RecurrenceCache()
    private let lock = NSLock()
    private var entries: [String: (Recurrence, Recurrence.Compiled)] = [:]

    func get(_ json: String) throws -> (Recurrence, Recurrence.Compiled) {
        if let hit = lock.withLock({ entries[json] }) { return hit }
        let recurrence = try JSONDecoder().decode(Recurrence.self, from: Data(json.utf8))
        let value = (recurrence, try recurrence.compile())
        lock.withLock {
            if entries.count >= 10_000 { entries.removeAll() }
            entries[json] = value
        }
        return value
    }
}

/// Fires due schedules: claims a batch with `FOR UPDATE SKIP LOCKED` in `next_run_at` order and, in the same
/// transaction, inserts the execution rows for their slots and moves `next_run_at`. `UNIQUE (schedule_id,
/// scheduled_for)` makes a second insert of a slot a no-op, so any number of schedulers may run this at once.
public struct ScheduleFiring {
    /// A slot later than this is a misfire, handled by the schedule's misfire policy; earlier ones always fire.
    public static let misfireThreshold: Int64 = 60
    /// `run_all` catches up at most this far back.
    public static let catchUpWindow: Int64 = 86_400

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Fires one batch: three statements whatever its size (claim, overlap counts, then one statement that inserts
    /// every execution row and moves every schedule), so a burst of 10,000 due schedules costs 20 batches.
    ///
    /// `horizon` (at or after `now`) fires slots a little ahead: their rows are written with `not_before` = slot +
    /// jitter, and the caller puts them on the queue at that instant, so the database work is done before the slot
    /// and lateness is only the wake-up's. Misfires are judged against `now`.
    public func fireDue(now: Date, horizon: Date? = nil, batchSize: Int = 500) throws -> [FiredSlot] {
        let nowSeconds = Int64(now.timeIntervalSince1970)
        let horizon = max(horizon ?? now, now)
        return try connection.transaction {
            let due = try connection.query("""
                SELECT id, report_id, recurrence::text AS recurrence, next_slot_at, misfire_policy, overlap_policy, jitter_seconds,
                       priority, run_count
                FROM schedules
                WHERE enabled AND next_run_at <= \(horizon)
                ORDER BY next_run_at
                LIMIT \(batchSize)
                FOR NO KEY UPDATE SKIP LOCKED
                """)
            guard !due.isEmpty else { return [] }
            let active = try activeRuns(try due.map { try $0.decode("id", as: UUID.self) })
            var plan = BatchPlan()
            for row in due { try plan.add(row, now: nowSeconds, horizon: horizon.timeIntervalSince1970, active: active) }
            return try write(plan)
        }
    }

    /// Every row a batch inserts and every schedule it moves, as parallel arrays for `unnest`.
    struct BatchPlan {
        var scheduleIDs: [UUID] = [], reportIDs: [UUID] = [], slots: [Int64] = [], triggers: [String] = []
        var priorities: [Int] = [], missed: [Int] = [], skipReasons: [String] = []
        var runAts: [Int64] = []
        var movedIDs: [UUID] = [], nextSlots: [Int64] = [], nextRuns: [Int64] = []

        mutating func add(_ row: PostgresRow, now: Int64, horizon: Double, active activeBySchedule: [UUID: (queued: Int, running: Int)]) throws {
            let id: UUID = try row.decode("id")
            let (recurrence, compiled) = try RecurrenceCache.shared.get(try row.decode("recurrence"))
            let jitter = Int64(Jitter.seconds(scheduleID: id.uuidString, maximum: try row.decode("jitter_seconds")))
            let policy = MisfirePolicy(rawValue: try row.decode("misfire_policy", as: String.self)) ?? .runOnce
            let runCount: Int = try row.decode("run_count")
            // Every slot from the stored one up to now; then the first one after now.
            var due: [Int64] = []
            var next: Int64? = try row.decode("next_slot_at", as: Date?.self).map { Int64($0.timeIntervalSince1970) }
            while let slot = next, Double(slot + jitter) <= horizon, due.count < 100_000 {
                due.append(slot)
                next = try recurrence.nextRun(after: slot, runsSoFar: runCount + due.count, compiled: compiled)
            }
            let late = due.filter { now - $0 > ScheduleFiring.misfireThreshold }
            let onTime = due.filter { now - $0 <= ScheduleFiring.misfireThreshold }
            let misfire = policy.plan(missed: late, now: now, catchUpWindow: ScheduleFiring.catchUpWindow)
            let overlap = OverlapPolicy(rawValue: try row.decode("overlap_policy", as: String.self)) ?? .skip
            // Runs of this schedule still going from earlier rounds (not the ones this round creates: `run_all`
            // catches up every missed slot even under `skip`).
            let active = activeBySchedule[id] ?? (queued: 0, running: 0)
            var buffered = false
            for (index, slot) in (misfire.fire + onTime).enumerated() {
                let reason: String = switch overlap {
                case .allow: ""
                case .skip: active.queued + active.running > 0 ? "overlap: the previous run was still \(active.running > 0 ? "running" : "queued")" : ""
                case .bufferOne: active.queued > 0 || buffered ? "overlap: a run was already waiting for the previous one to finish" : ""
                }
                if overlap == .bufferOne && reason.isEmpty && active.running > 0 { buffered = true }
                scheduleIDs.append(id)
                reportIDs.append(try row.decode("report_id"))
                slots.append(slot)
                runAts.append(slot + jitter)
                triggers.append(late.contains(slot) ? "catch_up" : "schedule")
                priorities.append(try row.decode("priority"))
                // The dropped slots are counted on the first execution that follows them.
                missed.append(index == 0 ? misfire.dropped : 0)
                skipReasons.append(reason)
            }
            movedIDs.append(id)
            nextSlots.append(next ?? -1)
            nextRuns.append(next.map { $0 + jitter } ?? -1)
        }
    }

    /// One statement: insert the executions (a slot already there is left alone), then move each schedule and add
    /// the executions it really got to its run count.
    private func write(_ plan: BatchPlan) throws -> [FiredSlot] {
        let rows = try connection.query("""
            WITH planned AS (
                SELECT * FROM unnest(\(plan.scheduleIDs)::uuid[], \(plan.reportIDs)::uuid[], \(plan.slots)::bigint[], \(plan.triggers)::text[],
                                     \(plan.priorities)::int[], \(plan.missed)::int[], \(plan.skipReasons)::text[], \(plan.runAts)::bigint[])
                    AS p(schedule_id, report_id, slot, trigger, priority, missed, skip_reason, run_at)
            ), inserted AS (
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, priority, missed_count, status, skip_reason,
                                        finished_at, not_before)
                SELECT schedule_id, report_id, to_timestamp(slot), trigger, priority, missed,
                       CASE WHEN skip_reason = '' THEN 'queued' ELSE 'skipped' END, nullif(skip_reason, ''),
                       CASE WHEN skip_reason <> '' THEN clock_timestamp() END, to_timestamp(run_at)
                FROM planned
                ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
                RETURNING id, schedule_id, scheduled_for, priority, status, missed_count, not_before
            ), moved AS (
                UPDATE schedules s
                SET next_slot_at = CASE WHEN m.next_slot < 0 THEN NULL ELSE to_timestamp(m.next_slot) END,
                    next_run_at = CASE WHEN m.next_run < 0 THEN NULL ELSE to_timestamp(m.next_run) END,
                    run_count = s.run_count + coalesce(k.fired, 0), updated_at = now()
                FROM unnest(\(plan.movedIDs)::uuid[], \(plan.nextSlots)::bigint[], \(plan.nextRuns)::bigint[]) AS m(id, next_slot, next_run)
                LEFT JOIN (SELECT schedule_id, count(*)::int AS fired FROM inserted GROUP BY schedule_id) k ON k.schedule_id = m.id
                WHERE s.id = m.id AND s.id = ANY(\(plan.movedIDs)::uuid[])
            )
            SELECT id, schedule_id, scheduled_for, priority, status, missed_count, not_before FROM inserted
            """)
        return try rows.map {
            FiredSlot(executionID: try $0.decode("id"), scheduleID: try $0.decode("schedule_id"), scheduledFor: try $0.decode("scheduled_for"),
                      missedCount: try $0.decode("missed_count"), priority: try $0.decode("priority"),
                      skipped: try $0.decode("status", as: String.self) == "skipped", runAt: try $0.decode("not_before"))
        }
    }

    /// Queued and running executions per schedule, for the overlap policy; one query per batch.
    private func activeRuns(_ scheduleIDs: [UUID]) throws -> [UUID: (queued: Int, running: Int)] {
        guard !scheduleIDs.isEmpty else { return [:] }
        var counts: [UUID: (queued: Int, running: Int)] = [:]
        for row in try connection.query("""
            SELECT schedule_id, count(*) FILTER (WHERE status = 'queued')::int AS queued,
                   count(*) FILTER (WHERE status = 'running')::int AS running
            FROM executions WHERE schedule_id = ANY(\(scheduleIDs)::uuid[]) AND status IN ('queued', 'running')
            GROUP BY schedule_id
            """) {
            counts[try row.decode("schedule_id")] = (try row.decode("queued"), try row.decode("running"))
        }
        return counts
    }
}
