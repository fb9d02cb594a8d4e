import Foundation
import HeraldCore
import Postgres

/// Which owner alert email a run's recorded end calls for, claimed once: a schedule's owner hears of the first failed
/// (or partial) run of a streak, then of every `every`th consecutive one (failures 1, 1+N, 1+2N …), and once of the
/// first success after a streak that was alerted: never a storm. The claim is a row in `owner_alerts` keyed by
/// (execution, kind), inserted with ON CONFLICT DO NOTHING, so two schedulers or a re-recorded finish send it once.
/// Runs are consecutive in the order they ended; skipped and cancelled runs neither break nor extend a streak.
public struct OwnerAlertRepository {
    let connection: PostgresConnection
    /// `HERALD_ALERT_EVERY`.
    let every: Int

    public init(connection: PostgresConnection, every: Int) {
        self.connection = connection
        self.every = max(1, every)
    }

    public enum Kind: String, Sendable { case failure, recovery }

    /// A claimed alert: what its email says.
    public struct Alert: Sendable, Equatable {
        public let kind: Kind
        public let executionID: UUID
        public let scheduleID: UUID
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
    }

    /// Whether the failure at `streak` (1 = the first) is one that alerts.
    public static func alerts(atFailure streak: Int, every: Int) -> Bool {
        streak >= 1 && (streak - 1) % max(1, every) == 0
    }

    /// The alert the execution's recorded end calls for, claimed for this caller; nil when it calls for none (not a
    /// schedule's run, no owner, a failure between alerts, a success after a success) or another caller claimed it.
    public func claim(_ executionID: UUID) throws -> Alert? {
        guard let row = try connection.query("""
            WITH this AS (
                SELECT e.id, e.schedule_id, e.status, e.finished_at, coalesce(e.error, '') AS error,
                       to_char(e.scheduled_for AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI:SS') AS local_time, s.time_zone,
                       s.name AS schedule_name, r.name AS report_name, u.id AS owner_id, u.email
                FROM executions e
                JOIN schedules s ON s.id = e.schedule_id
                JOIN reports r ON r.id = e.report_id
                JOIN users u ON u.id = s.owner_id AND u.disabled_at IS NULL
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
        let streak: Int = try row.decode("streak")
        let kind: Kind
        if status == "succeeded" {
            guard streak > 0, try row.decode("alerted", as: Bool.self) else { return nil }
            kind = .recovery
        } else {
            guard Self.alerts(atFailure: streak, every: every) else { return nil }
            kind = .failure
        }
        let claimed = try connection.query("""
            INSERT INTO owner_alerts (execution_id, kind, schedule_id, user_id, streak)
            VALUES (\(executionID), \(kind.rawValue), \(try row.decode("schedule_id", as: UUID.self)), \(try row.decode("owner_id", as: UUID.self)), \(streak))
            ON CONFLICT (execution_id, kind) DO NOTHING
            RETURNING execution_id
            """)
        guard !claimed.isEmpty else { return nil }
        return Alert(kind: kind, executionID: executionID, scheduleID: try row.decode("schedule_id"), scheduleName: try row.decode("schedule_name"),
                     reportName: try row.decode("report_name"), ownerEmail: try row.decode("email"), status: status,
                     error: try row.decode("error"), streak: streak, localDateTime: try row.decode("local_time"),
                     timeZone: try row.decode("time_zone"))
    }

    /// Records how the claimed alert's send went: `error` nil when it was sent.
    public func recordSent(_ alert: Alert, error: String?) throws {
        try connection.execute("""
            UPDATE owner_alerts SET sent_at = CASE WHEN \(error)::text IS NULL THEN now() END, error = \(error)
            WHERE execution_id = \(alert.executionID) AND kind = \(alert.kind.rawValue)
            """)
    }
}
