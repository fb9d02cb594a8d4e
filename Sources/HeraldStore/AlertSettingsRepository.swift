import Foundation
import HeraldCore
import Postgres

/// SQL for the alert settings columns (migration 0029) that `users` and `schedules` both carry. It reads and writes
/// them as given: whose may be changed is `UserService`'s and `ScheduleService`'s decision.
public struct AlertSettingsRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// `t.alert_email AS <prefix>alert_email, …` for a SELECT list.
    static func columns(_ table: String, prefix: String) -> PostgresQuery {
        let names = ["alert_email", "alert_in_app", "alert_failures", "alert_every", "alert_recovery"]
        return PostgresQuery(unsafeSQL: names.map { "\(table).\($0) AS \(prefix)\($0)" }.joined(separator: ", "))
    }

    /// The settings `columns(_:prefix:)` selected.
    static func settings(_ row: PostgresRow, prefix: String = "") throws -> AlertSettings {
        AlertSettings(email: try row.decode("\(prefix)alert_email", as: Bool?.self), inApp: try row.decode("\(prefix)alert_in_app", as: Bool?.self),
                      failures: try row.decode("\(prefix)alert_failures", as: String?.self),
                      every: try row.decode("\(prefix)alert_every", as: Int?.self),
                      recovery: try row.decode("\(prefix)alert_recovery", as: Bool?.self))
    }

    public func user(_ userID: UUID) throws -> AlertSettings {
        guard let row = try connection.query("SELECT \(fragment: Self.columns("u", prefix: "")) FROM users u WHERE u.id = \(userID)").first
        else { return AlertSettings() }
        return try Self.settings(row)
    }

    public func setUser(_ userID: UUID, _ settings: AlertSettings) throws {
        try connection.execute("""
            UPDATE users SET \(fragment: Self.assignments(settings)), updated_at = now() WHERE id = \(userID)
            """)
    }

    public func setSchedule(_ scheduleID: UUID, _ settings: AlertSettings) throws {
        try connection.execute("UPDATE schedules SET \(fragment: Self.assignments(settings)) WHERE id = \(scheduleID)")
    }

    static func assignments(_ s: AlertSettings) -> PostgresQuery {
        """
        alert_email = \(s.email)::boolean, alert_in_app = \(s.inApp)::boolean, alert_failures = \(s.failures)::text,
        alert_every = \(s.every)::int, alert_recovery = \(s.recovery)::boolean
        """
    }
}
