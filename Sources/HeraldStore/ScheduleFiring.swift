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

    public func fireDue(now: Date, batchSize: Int = 500) throws -> [FiredSlot] {
        let nowSeconds = Int64(now.timeIntervalSince1970)
        return try connection.transaction {
            let due = try connection.query("""
                SELECT id, report_id, recurrence, next_slot_at, misfire_policy, overlap_policy, jitter_seconds, priority, run_count
                FROM schedules
                WHERE enabled AND next_run_at <= \(now)
                ORDER BY next_run_at
                LIMIT \(batchSize)
                FOR NO KEY UPDATE SKIP LOCKED
                """)
            let active = try activeRuns(try due.map { try $0.decode("id", as: UUID.self) })
            var fired: [FiredSlot] = []
            for row in due {
                fired += try fire(row, now: nowSeconds, active: active)
            }
            return fired
        }
    }

    private func fire(_ row: PostgresRow, now: Int64, active activeBySchedule: [UUID: (queued: Int, running: Int)]) throws -> [FiredSlot] {
        let id: UUID = try row.decode("id")
        let recurrence = try row.decodeJSON("recurrence", as: Recurrence.self)
        let policy = MisfirePolicy(rawValue: try row.decode("misfire_policy", as: String.self)) ?? .runOnce
        var runCount: Int = try row.decode("run_count")
        // Every slot from the stored one up to now; then the first one after now.
        var slots: [Int64] = []
        var next: Int64? = try row.decode("next_slot_at", as: Date?.self).map { Int64($0.timeIntervalSince1970) }
        while let slot = next, slot <= now, slots.count < 100_000 {
            slots.append(slot)
            next = try recurrence.nextRun(after: slot, runsSoFar: runCount + slots.count)
        }
        let late = slots.filter { now - $0 > Self.misfireThreshold }
        let onTime = slots.filter { now - $0 <= Self.misfireThreshold }
        let plan = policy.plan(missed: late, now: now, catchUpWindow: Self.catchUpWindow)
        let toFire = plan.fire + onTime
        let priority: Int = try row.decode("priority")
        let overlap = OverlapPolicy(rawValue: try row.decode("overlap_policy", as: String.self)) ?? .skip
        // Runs of this schedule still going from earlier rounds (not the ones this round creates: `run_all` catches
        // up every missed slot even under `skip`).
        let active = activeBySchedule[id] ?? (queued: 0, running: 0)
        var fired: [FiredSlot] = []
        var buffered = false
        for (index, slot) in toFire.enumerated() {
            let scheduledFor = Date(timeIntervalSince1970: TimeInterval(slot))
            // The dropped slots are counted on the first execution that follows them.
            let missed = index == 0 ? plan.dropped : 0
            let skipReason: String? = switch overlap {
            case .allow: nil
            case .skip: active.queued + active.running > 0 ? "overlap: the previous run was still \(active.running > 0 ? "running" : "queued")" : nil
            case .bufferOne: active.queued > 0 || buffered ? "overlap: a run was already waiting for the previous one to finish" : nil
            }
            if overlap == .bufferOne && skipReason == nil && active.running > 0 { buffered = true }
            let inserted = try connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, priority, missed_count,
                                        status, skip_reason, finished_at)
                VALUES (\(id), \(try row.decode("report_id", as: UUID.self)), \(scheduledFor),
                        \(late.contains(slot) ? "catch_up" : "schedule"), \(priority), \(missed),
                        \(skipReason == nil ? "queued" : "skipped"), \(skipReason),
                        CASE WHEN \(skipReason != nil) THEN clock_timestamp() END)
                ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
                RETURNING id
                """)
            if let execution = inserted.first {
                fired.append(FiredSlot(executionID: try execution.decode("id"), scheduleID: id, scheduledFor: scheduledFor,
                                       missedCount: missed, priority: priority, skipped: skipReason != nil))
            }
        }
        runCount += fired.count
        let jitter = Jitter.seconds(scheduleID: id.uuidString, maximum: try row.decode("jitter_seconds"))
        let nextSlot = next.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        try connection.execute("""
            UPDATE schedules
            SET next_slot_at = \(nextSlot), next_run_at = \(nextSlot.map { $0.addingTimeInterval(TimeInterval(jitter)) }),
                run_count = \(runCount), updated_at = now()
            WHERE id = \(id)
            """)
        return fired
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
