import Foundation
import HeraldCore
import Postgres

/// Which owner alert a run's recorded end calls for, and on which channels, claimed once: the effective `AlertRule`
/// (the schedule's settings over its owner's over the standard rule) says whether the failed (or partial) run at
/// this point of its streak alerts (the first, then every Nth, or the first only), and whether the first success
/// after a streak that was alerted does (recovery); and by email, in-app, or both. The claim is a row in
/// `owner_alerts` keyed by (execution, kind), inserted with ON CONFLICT DO NOTHING in the same statement as the
/// in-app notification, so two schedulers or a re-recorded finish tell once. Runs are consecutive in the order they
/// ended; skipped and cancelled runs neither break nor extend a streak. A report's own run (no schedule) tells its
/// report's owner in-app of each failure, when their rule has in-app on. The pause and data-late emails are claimed
/// here too (`claimPaused`/`claimLate` are called inside those checks' statements), so all share one trail.
public struct OwnerAlertRepository {
    let connection: PostgresConnection
    /// `HERALD_ALERT_EVERY`: the standard rule's N.
    let every: Int

    public init(connection: PostgresConnection, every: Int) {
        self.connection = connection
        self.every = max(1, every)
    }

    public enum Kind: String, Sendable { case failure, recovery, paused, late }

    /// A claimed alert: what its email says, and which channels the rule chose (the in-app notice is written).
    public struct Alert: Sendable, Equatable {
        public let kind: Kind
        public let executionID: UUID
        public let scheduleID: UUID?
        public let scheduleName: String
        public let reportName: String
        public let ownerEmail: String
        /// `failed` or `partial` (a failure), `succeeded` (a recovery).
        public let status: String
        /// The run's error as recorded (secret-free), "" when none.
        public let error: String
        /// Consecutive failed runs: up to this one (a failure), or the streak this run ended (a recovery).
        public let streak: Int
        /// The slot in the schedule's zone, `YYYY-MM-DD HH:MM:SS`.
        public let localDateTime: String
        public let timeZone: String
        /// The effective rule this alert was decided by (the email's wording names its N).
        public let rule: AlertRule
        /// Whether the owner is emailed (the in-app notice, when the rule has it, is already written).
        public var emails: Bool { rule.email }
    }

    /// What `alerting` passes when it does not know the schedule's previous status.
    public static let unknownStatus = "unknown"

    /// Whether a run's end may call for an alert at all, from what its finish returned: only a failure, or a success
    /// after a run that was not a success (a recovery is possible); so a success after a success, or a first run,
    /// costs no statement.
    public static func mayAlert(status: String, previousStatus: String?) -> Bool {
        switch status {
        case "failed", "partial": return true
        case "succeeded": return previousStatus != nil && previousStatus != "succeeded"
        default: return false
        }
    }

    /// The standard rule's check (kept for the tests and the email's wording): failures 1, 1+N, 1+2N ….
    public static func alerts(atFailure streak: Int, every: Int) -> Bool {
        AlertRule.standard(every: every).alerts(atFailure: streak)
    }

    /// The alert the execution's recorded end calls for, claimed for this caller (and its in-app notice written when
    /// the rule has in-app on); nil when it calls for none (no owner, a failure between alerts, a success after a
    /// success or after a streak nobody was told of, a rule with both channels off) or another caller claimed it.
    public func claim(_ executionID: UUID) throws -> Alert? {
        guard let row = try connection.query("""
            WITH this AS (
                SELECT e.id, e.schedule_id, e.status, e.finished_at, coalesce(e.error, '') AS error,
                       to_char(e.scheduled_for AT TIME ZONE coalesce(s.time_zone, 'UTC'), 'YYYY-MM-DD HH24:MI:SS') AS local_time,
                       coalesce(s.time_zone, 'UTC') AS time_zone, coalesce(s.name, '') AS schedule_name, r.name AS report_name,
                       u.id AS owner_id, u.email,
                       \(fragment: AlertSettingsRepository.columns("u", prefix: "user_")),
                       \(fragment: AlertSettingsRepository.columns("s", prefix: "schedule_"))
                FROM executions e
                JOIN reports r ON r.id = e.report_id
                LEFT JOIN schedules s ON s.id = e.schedule_id
                JOIN users u ON u.id = coalesce(s.owner_id, r.owner_id) AND u.disabled_at IS NULL
                WHERE e.id = \(executionID) AND e.status IN ('failed', 'partial', 'succeeded') AND e.finished_at IS NOT NULL
            ), last_success AS (
                SELECT coalesce(max(o.finished_at), '-infinity'::timestamptz) AS at
                FROM executions o, this
                WHERE o.schedule_id = this.schedule_id AND o.status = 'succeeded' AND o.id <> this.id AND o.finished_at <= this.finished_at
            ), streak AS (
                SELECT f.id
                FROM executions f, this, last_success
                WHERE f.schedule_id = this.schedule_id AND f.status IN ('failed', 'partial') AND f.finished_at > last_success.at
                  AND (f.finished_at < this.finished_at OR f.id = this.id)
            )
            SELECT this.*, (SELECT count(*) FROM streak)::int AS streak,
                   EXISTS (SELECT 1 FROM owner_alerts a JOIN streak ON a.execution_id = streak.id WHERE a.kind = 'failure') AS alerted
            FROM this
            """).first else { return nil }
        let status: String = try row.decode("status")
        let scheduleID = try row.decode("schedule_id", as: UUID?.self)
        let user = try AlertSettingsRepository.settings(row, prefix: "user_")
        var rule = user.applied(to: .standard(every: every))
        // A report's own run: told in-app of each failure by its owner's rule, never emailed (as before rules).
        var streak: Int = try row.decode("streak")
        let kind: Kind
        if scheduleID == nil {
            guard status != "succeeded" else { return nil }
            rule.email = false
            streak = 1
            kind = .failure
        } else {
            rule = try AlertSettingsRepository.settings(row, prefix: "schedule_").applied(to: rule)
            if status == "succeeded" {
                guard streak > 0, rule.recovery, try row.decode("alerted", as: Bool.self) else { return nil }
                kind = .recovery
            } else {
                guard rule.alerts(atFailure: streak) else { return nil }
                kind = .failure
            }
        }
        guard rule.tellsAnyone else { return nil }
        let ownerID: UUID = try row.decode("owner_id")
        let reportName: String = try row.decode("report_name")
        let error: String = try row.decode("error")
        let notice = Self.notice(kind: kind, status: status, reportName: reportName, error: error, streak: streak)
        let claimed = try connection.query("""
            WITH claimed AS (
                INSERT INTO owner_alerts (execution_id, kind, schedule_id, user_id, streak, email, in_app)
                VALUES (\(executionID), \(kind.rawValue), \(scheduleID), \(ownerID), \(streak), \(rule.email), \(rule.inApp))
                ON CONFLICT (execution_id, kind) DO NOTHING
                RETURNING execution_id
            ), noted AS (
                INSERT INTO notifications (user_id, kind, title, body, execution_id)
                SELECT \(ownerID), \(notice.kind), \(notice.title), \(notice.body), execution_id FROM claimed WHERE \(rule.inApp)
            )
            SELECT execution_id FROM claimed
            """)
        guard !claimed.isEmpty else { return nil }
        return Alert(kind: kind, executionID: executionID, scheduleID: scheduleID, scheduleName: try row.decode("schedule_name"),
                     reportName: reportName, ownerEmail: try row.decode("email"), status: status, error: error, streak: streak,
                     localDateTime: try row.decode("local_time"), timeZone: try row.decode("time_zone"), rule: rule)
    }

    /// The in-app notice of an alert: its kind (`execution.failed`, `execution.partial`, `execution.recovered`),
    /// title and body.
    static func notice(kind: Kind, status: String, reportName: String, error: String, streak: Int) -> (kind: String, title: String, body: String) {
        if kind == .recovery {
            return ("execution.recovered", "“\(reportName)” succeeded again",
                    streak == 1 ? "It succeeded after a failed run." : "It succeeded after \(streak) failed runs in a row.")
        }
        let title = status == "partial" ? "“\(reportName)” was only partly delivered" : "“\(reportName)” failed"
        return ("execution.\(status)", title, error)
    }

    /// Records how the claimed alert's email went: `error` nil when it was sent.
    public func recordSent(_ alert: Alert, error: String?) throws {
        try recordSent(executionID: alert.executionID, kind: alert.kind, error: error)
    }

    /// Records how a run's alert email (a failure, a recovery, a pause) went.
    public func recordSent(executionID: UUID, kind: Kind, error: String?) throws {
        try connection.execute("""
            UPDATE owner_alerts SET sent_at = CASE WHEN \(error)::text IS NULL THEN now() END, error = \(error)
            WHERE execution_id = \(executionID) AND kind = \(kind.rawValue)
            """)
    }

    /// Records how a late slot's email went.
    public func recordLateSent(scheduleID: UUID, slot: Date, error: String?) throws {
        try connection.execute("""
            UPDATE owner_alerts SET sent_at = CASE WHEN \(error)::text IS NULL THEN now() END, error = \(error)
            WHERE schedule_id = \(scheduleID) AND scheduled_for = \(slot) AND kind = 'late'
            """)
    }

    /// The reason recorded when an alert's email could not be sent because no server is set up.
    public static let noServerError = "no SMTP server is set up on /admin/email"
}
