import Foundation
import HeraldCore
import Postgres

/// The "data late" check: for each schedule with a deadline (enabled, or paused by `ScheduleAutoPause`; one paused by
/// hand is not late), the latest slot whose deadline passed within the last day and that has no succeeded (or
/// deliberately skipped) run is claimed once in `late_notices` and its owner gets a `schedule.late` notification (and an `owner_alerts`
/// row, kind `late`, for the email's trail).
/// The slots come from the recurrence, so a slot that never fired (the schedule paused itself) is late too; slots
/// before the schedule was created or last resumed are not.
public struct LateNotices {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// How far back a missed deadline is still told.
    static let window: Int64 = 86_400

    /// A late slot this call claimed: what the owner's email says.
    public struct Late: Sendable, Equatable {
        public let scheduleID: UUID
        public let scheduleName: String
        public let reportName: String
        public let slot: Date
        public let deadlineMinutes: Int
        /// The slot's run, when it fired.
        public let executionID: UUID?
        public let ownerEmail: String?
        public let localDateTime: String
        public let timeZone: String
    }

    /// Claims and notifies every late slot as of `now`; returns those this caller claimed.
    public func check(now: Date = Date()) throws -> [Late] {
        let instant = Int64(now.timeIntervalSince1970)
        var due: [(id: UUID, slot: Int64)] = []
        for row in try connection.query("""
            SELECT id, recurrence::text AS recurrence, deadline_minutes,
                   extract(epoch FROM greatest(created_at, resumed_at))::bigint AS expected_since
            FROM schedules
            WHERE deadline_minutes IS NOT NULL AND (enabled OR paused_automatically) AND broken_reason IS NULL
            """) {
            let minutes: Int = try row.decode("deadline_minutes")
            guard let recurrence = try? StoredRecurrences.decode(try row.decode("recurrence")).recurrence,
                  let slot = Self.latestSlot(recurrence, deadlineSeconds: Int64(minutes) * 60, now: instant,
                                             since: try row.decode("expected_since")) else { continue }
            due.append((try row.decode("id"), slot))
        }
        return try due.compactMap { try claim($0.id, slot: Date(timeIntervalSince1970: TimeInterval($0.slot))) }
    }

    /// The latest slot whose deadline is past `now` but within the window, and that came after `since` (the schedule's
    /// creation or last resume: no run was expected before); nil when none is.
    static func latestSlot(_ recurrence: Recurrence, deadlineSeconds: Int64, now: Int64, since: Int64) -> Int64? {
        guard let compiled = try? recurrence.compile() else { return nil }
        var after = max(now - window - deadlineSeconds, since)
        var latest: Int64?
        // Bounded: the shortest gap allowed between runs makes a day hold few slots; the bound only guards a bug.
        for _ in 0..<10_000 {
            guard let slot = try? recurrence.nextRun(after: after, runsSoFar: 0, compiled: compiled), slot + deadlineSeconds <= now else { break }
            latest = slot
            after = slot
        }
        return latest
    }

    func claim(_ scheduleID: UUID, slot: Date) throws -> Late? {
        guard let row = try connection.query("""
            WITH late AS (
                SELECT s.id, s.name, s.owner_id, s.time_zone, s.deadline_minutes, s.report_id,
                       (SELECT e.id FROM executions e WHERE e.schedule_id = s.id AND e.scheduled_for = \(slot)
                        ORDER BY e.created_at DESC LIMIT 1) AS execution_id
                FROM schedules s
                WHERE s.id = \(scheduleID)
                  AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.schedule_id = s.id AND e.scheduled_for = \(slot)
                                  AND e.status IN ('succeeded', 'skipped'))
            ), claimed AS (
                INSERT INTO late_notices (schedule_id, scheduled_for) SELECT id, \(slot) FROM late
                ON CONFLICT DO NOTHING RETURNING schedule_id
            ), told AS (
                INSERT INTO notifications (user_id, kind, title, body, execution_id)
                SELECT late.owner_id, 'schedule.late',
                       'Schedule “' || CASE WHEN late.name = '' THEN 'unnamed' ELSE late.name END || '” is late',
                       'The run for ' || to_char(\(slot)::timestamptz AT TIME ZONE late.time_zone, 'YYYY-MM-DD HH24:MI') || ' (' || late.time_zone
                       || ') had not succeeded ' || late.deadline_minutes || ' minutes after its slot.',
                       late.execution_id
                FROM late JOIN claimed ON claimed.schedule_id = late.id WHERE late.owner_id IS NOT NULL
            ), recorded AS (
                -- The email's trail (sent_at / error), written by OwnerAlertMailer.scheduleLate.
                INSERT INTO owner_alerts (execution_id, kind, schedule_id, user_id, streak, scheduled_for)
                SELECT late.execution_id, 'late', late.id, late.owner_id, 0, \(slot)
                FROM late JOIN claimed ON claimed.schedule_id = late.id WHERE late.owner_id IS NOT NULL
                ON CONFLICT DO NOTHING
            )
            SELECT late.id, late.name, late.deadline_minutes, late.execution_id, late.time_zone, r.name AS report_name, u.email,
                   to_char(\(slot)::timestamptz AT TIME ZONE late.time_zone, 'YYYY-MM-DD HH24:MI:SS') AS local_time
            FROM late JOIN claimed ON claimed.schedule_id = late.id JOIN reports r ON r.id = late.report_id
            LEFT JOIN users u ON u.id = late.owner_id AND u.disabled_at IS NULL
            """).first else { return nil }
        return Late(scheduleID: try row.decode("id"), scheduleName: try row.decode("name"), reportName: try row.decode("report_name"),
                    slot: slot, deadlineMinutes: try row.decode("deadline_minutes"), executionID: try row.decode("execution_id", as: UUID?.self),
                    ownerEmail: try row.decode("email", as: String?.self), localDateTime: try row.decode("local_time"),
                    timeZone: try row.decode("time_zone"))
    }
}
