import Foundation
import Postgres

/// Pauses a schedule whose last `pause_after_failures` ended runs (succeeded, partial or failed; newest first; only
/// those that ended after its last resume) all failed or were partial, with the service's pause (`ScheduleService.
/// pausing`) and a note saying why, an audit row, an in-app notification for its owner and the `owner_alerts` row of
/// the email (kind `paused`). Asked only after a run
/// ended failed or partial, so a succeeded run costs nothing. The UPDATE is conditioned on the schedule still being
/// enabled and not resumed since the check read it, so two schedulers ending runs at once pause it once.
public struct ScheduleAutoPause {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A schedule this call paused: what the owner's email says.
    public struct Paused: Sendable, Equatable {
        public let scheduleID: UUID
        public let scheduleName: String
        public let reportName: String
        /// The run whose end paused it.
        public let executionID: UUID
        public let failures: Int
        public let note: String
        /// The owner's address; nil without an (enabled) owner.
        public let ownerEmail: String?
        /// The run's slot in the schedule's zone, `YYYY-MM-DD HH:MM:SS`.
        public let localDateTime: String
        public let timeZone: String
    }

    /// The longest piece of the last run's error the note quotes (the note holds at most 500 characters).
    static let quotedErrorLength = 300

    /// Pauses the schedule of this failed or partial run if its streak reached the schedule's limit; nil when it did
    /// not (no limit, a shorter streak, already paused, or another scheduler paused it first).
    public func afterFailedRun(_ executionID: UUID) throws -> Paused? {
        let limit = Self.quotedErrorLength
        return try connection.transaction {
            guard let row = try connection.query("""
                WITH run AS (
                    SELECT e.schedule_id, e.report_id, e.scheduled_for, btrim(coalesce(e.error, '')) AS error
                    FROM executions e WHERE e.id = \(executionID) AND e.status IN ('failed', 'partial')
                ), target AS (
                    SELECT s.id, s.pause_after_failures AS k, s.resumed_at FROM schedules s JOIN run ON s.id = run.schedule_id
                    WHERE s.enabled AND s.pause_after_failures IS NOT NULL
                ), recent AS (
                    SELECT o.status FROM executions o, target
                    WHERE o.schedule_id = target.id AND o.status IN ('failed', 'partial', 'succeeded')
                      AND o.finished_at > coalesce(target.resumed_at, '-infinity'::timestamptz)
                    ORDER BY o.finished_at DESC LIMIT (SELECT k FROM target)
                ), verdict AS (
                    SELECT target.id, target.k, target.resumed_at,
                           CASE WHEN target.k = 1 THEN 'Paused automatically after a failed run'
                                ELSE 'Paused automatically after ' || target.k || ' consecutive failed runs' END
                           || CASE WHEN run.error = '' THEN ''
                                   WHEN length(run.error) > \(limit) THEN ' (last: ' || left(run.error, \(limit - 1)) || '…)'
                                   ELSE ' (last: ' || run.error || ')' END AS note
                    FROM target, run
                    WHERE (SELECT count(*) FROM recent WHERE status IN ('failed', 'partial')) = target.k
                ), paused AS (
                    UPDATE schedules s SET \(fragment: ScheduleService.pausing(note: "verdict.note", automatic: true))
                    FROM verdict
                    WHERE s.id = verdict.id AND s.enabled AND s.resumed_at IS NOT DISTINCT FROM verdict.resumed_at
                    RETURNING s.id, s.name, s.owner_id, s.time_zone, s.pause_note, verdict.k
                ), told AS (
                    INSERT INTO notifications (user_id, kind, title, body, execution_id)
                    SELECT owner_id, 'schedule.paused',
                           'Schedule “' || CASE WHEN name = '' THEN 'unnamed' ELSE name END || '” paused itself', pause_note, \(executionID)
                    FROM paused WHERE owner_id IS NOT NULL
                ), recorded AS (
                    -- The email's trail (sent_at / error), written by OwnerAlertMailer.schedulePaused.
                    INSERT INTO owner_alerts (execution_id, kind, schedule_id, user_id, streak)
                    SELECT \(executionID), 'paused', id, owner_id, k FROM paused WHERE owner_id IS NOT NULL
                    ON CONFLICT DO NOTHING
                )
                SELECT paused.id, paused.name, paused.pause_note, paused.k, paused.time_zone, r.name AS report_name, u.email,
                       to_char(run.scheduled_for AT TIME ZONE paused.time_zone, 'YYYY-MM-DD HH24:MI:SS') AS local_time
                FROM paused CROSS JOIN run JOIN reports r ON r.id = run.report_id
                LEFT JOIN users u ON u.id = paused.owner_id AND u.disabled_at IS NULL
                """).first else { return nil }
            let paused = Paused(scheduleID: try row.decode("id"), scheduleName: try row.decode("name"), reportName: try row.decode("report_name"),
                                executionID: executionID, failures: try row.decode("k"), note: try row.decode("pause_note"),
                                ownerEmail: try row.decode("email", as: String?.self), localDateTime: try row.decode("local_time"),
                                timeZone: try row.decode("time_zone"))
            try AuditLog(connection: connection).record(actorID: nil, actorLabel: "scheduler", action: "schedule.pause",
                                                        subjectType: "schedule", subjectID: paused.scheduleID.uuidString.lowercased(),
                                                        details: ["note": paused.note, "execution_id": executionID.uuidString.lowercased(),
                                                                  "automatic": "true"])
            try connection.notify(ScheduleRepository.changeChannel, payload: paused.scheduleID.uuidString)
            return paused
        }
    }
}
