import Foundation
import HeraldCore
import Postgres

/// The weekly summary email's SQL: who gets one, the claim that makes each (user, week) sent once whoever sends,
/// and what a user's schedules did in the last 7 days and are due to do in the next 7. Only schedules the user owns.
public struct WeeklySummaryRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public struct Recipient: Sendable, Equatable {
        public let userID: UUID
        public let email: String
        public let timeZone: String
    }

    public struct FailingSchedule: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let failures: Int
        public let lastError: String
    }

    public struct Upcoming: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let runs: Int
        /// A bound cut the count short.
        public let atLeast: Bool
    }

    public struct Summary: Sendable, Equatable {
        /// succeeded, partial, failed, skipped: each present, 0 when none.
        public let runsByStatus: [(status: String, count: Int)]
        public let failing: [FailingSchedule]
        public let upcoming: [Upcoming]

        public static func == (a: Summary, b: Summary) -> Bool {
            a.runsByStatus.map(\.status) == b.runsByStatus.map(\.status) && a.runsByStatus.map(\.count) == b.runsByStatus.map(\.count)
                && a.failing == b.failing && a.upcoming == b.upcoming
        }
    }

    static let statuses = ["succeeded", "partial", "failed", "skipped"]

    /// Enabled, opted-in users who own at least one schedule.
    public func recipients() throws -> [Recipient] {
        try connection.query("""
            SELECT u.id, u.email, u.time_zone FROM users u
            WHERE u.weekly_summary AND u.disabled_at IS NULL AND EXISTS (SELECT 1 FROM schedules s WHERE s.owner_id = u.id)
            ORDER BY u.id
            """).map { Recipient(userID: try $0.decode("id"), email: try $0.decode("email"), timeZone: try $0.decode("time_zone")) }
    }

    /// Claims the user's week for this caller: the first claim, or a claim again when the last one did not end sent
    /// (the send failed, or its sender died) at least `retryAfterSeconds` ago, up to `maxAttempts` claims in all.
    /// One statement (`ON CONFLICT DO UPDATE ... WHERE`), so two schedulers never both win.
    public func claim(userID: UUID, weekStart: String, retryAfterSeconds: Int = 900, maxAttempts: Int = 5) throws -> Bool {
        !(try connection.query("""
            INSERT INTO weekly_summaries (user_id, week_start) VALUES (\(userID), \(weekStart)::date)
            ON CONFLICT (user_id, week_start) DO UPDATE
                SET claimed_at = now(), attempts = weekly_summaries.attempts + 1, error = NULL
                WHERE weekly_summaries.sent_at IS NULL AND weekly_summaries.attempts < \(maxAttempts)
                  AND weekly_summaries.claimed_at < now() - make_interval(secs => \(retryAfterSeconds))
            RETURNING user_id
            """)).isEmpty
    }

    /// Records how sending went: `error` nil when it was sent.
    public func recordSent(userID: UUID, weekStart: String, error: String?) throws {
        try connection.execute("""
            UPDATE weekly_summaries SET sent_at = CASE WHEN \(error)::text IS NULL THEN now() END, error = \(error)
            WHERE user_id = \(userID) AND week_start = \(weekStart)::date
            """)
    }

    /// The user's runs whose slot is in the 7 days before `now`, the schedules among them that failed (or were only
    /// partly delivered; at most `maxFailing`, most failures first, each with its latest error cut to `errorLength`),
    /// and the runs due in the 7 days after `now` per enabled schedule (at most `maxRunsPerSchedule` counted each).
    public func summary(userID: UUID, now: Date, maxFailing: Int = 10, errorLength: Int = 200,
                        maxSchedules: Int = 50, maxRunsPerSchedule: Int = 1000) throws -> Summary {
        let since = now.addingTimeInterval(-7 * 86_400)
        let counts = Dictionary(uniqueKeysWithValues: try connection.query("""
            SELECT e.status, count(*)::int AS n FROM executions e JOIN schedules s ON s.id = e.schedule_id
            WHERE s.owner_id = \(userID) AND e.scheduled_for >= \(since) AND e.scheduled_for < \(now)
            GROUP BY e.status
            """).map { (try $0.decode("status", as: String.self), try $0.decode("n", as: Int.self)) })
        let failing = try connection.query("""
            SELECT s.id, s.name, count(*)::int AS failures,
                   (array_agg(coalesce(e.error, '') ORDER BY e.scheduled_for DESC))[1] AS last_error
            FROM executions e JOIN schedules s ON s.id = e.schedule_id
            WHERE s.owner_id = \(userID) AND e.scheduled_for >= \(since) AND e.scheduled_for < \(now)
              AND e.status IN ('failed', 'partial')
            GROUP BY s.id, s.name ORDER BY failures DESC, s.name, s.id LIMIT \(maxFailing)
            """).map {
            let error: String = try $0.decode("last_error")
            return FailingSchedule(id: try $0.decode("id"), name: try $0.decode("name"), failures: try $0.decode("failures"),
                                   lastError: error.count > errorLength ? String(error.prefix(errorLength)) + "…" : error)
        }
        return Summary(runsByStatus: Self.statuses.map { ($0, counts[$0] ?? 0) }, failing: failing,
                       upcoming: try upcoming(userID: userID, now: now, maxSchedules: maxSchedules, maxRuns: maxRunsPerSchedule))
    }

    /// Each enabled schedule's runs due in the 7 days after `now`, expanded from its `next_slot_at` with its recurrence
    /// (as the status page's heat map does), soonest schedules first; schedules with none due are left out.
    func upcoming(userID: UUID, now: Date, maxSchedules: Int, maxRuns: Int) throws -> [Upcoming] {
        let start = Int64(now.timeIntervalSince1970)
        let end = start + 7 * 86_400
        var found: [Upcoming] = []
        for row in try connection.query("""
            SELECT s.id, s.name, s.recurrence::text AS recurrence, extract(epoch FROM s.next_slot_at)::bigint AS next_slot, s.run_count
            FROM schedules s
            WHERE s.owner_id = \(userID) AND s.enabled AND s.next_slot_at IS NOT NULL AND s.next_slot_at < to_timestamp(\(Double(end)))
            ORDER BY s.next_slot_at, s.id LIMIT \(maxSchedules)
            """) {
            guard let recurrence = try? StoredRecurrences.decode(try row.decode("recurrence")).recurrence,
                  let compiled = try? recurrence.compile() else { continue }
            var runsSoFar: Int = try row.decode("run_count")
            var next: Int64? = try row.decode("next_slot", as: Int64.self)
            var count = 0
            var examined = 0
            while let at = next, at < end, examined < maxRuns {
                examined += 1
                if at >= start { count += 1 }
                runsSoFar += 1
                next = (try? recurrence.nextRun(after: at, runsSoFar: runsSoFar, compiled: compiled)) ?? nil
            }
            let cut = examined == maxRuns && (next.map { $0 < end } ?? false)
            if count > 0 { found.append(Upcoming(id: try row.decode("id"), name: try row.decode("name"), runs: count, atLeast: cut)) }
        }
        return found
    }

    /// Whether the user wants the weekly summary.
    public func isEnabled(userID: UUID) throws -> Bool {
        try connection.query("SELECT weekly_summary FROM users WHERE id = \(userID)").first?.decode("weekly_summary") ?? false
    }

    public func setEnabled(userID: UUID, _ enabled: Bool) throws {
        try connection.execute("UPDATE users SET weekly_summary = \(enabled), updated_at = now() WHERE id = \(userID)")
    }
}
