import Foundation
import HeraldCore

/// A user's own owner-alert settings (`/account`, `PATCH /api/v1/me`): the defaults for the schedules they own (each
/// schedule may override them). Each user sets only their own, and a change is audited.
extension UserService {
    public func ownAlertSettings(actor: Actor) throws -> AlertSettings {
        try AlertSettingsRepository(connection: connection).user(try signedIn(actor))
    }

    /// Replaces the user's settings (nil fields: the standard rule's); throws `ValidationErrors` naming each bad field
    /// and stores nothing then.
    public func setOwnAlertSettings(actor: Actor, _ settings: AlertSettings) throws {
        let id = try signedIn(actor)
        let errors = settings.validate()
        guard errors.isEmpty else { throw ValidationErrors(errors) }
        try atomically(connection) {
            let repository = AlertSettingsRepository(connection: connection)
            let before = try repository.user(id)
            guard before != settings else { return }
            try repository.setUser(id, settings)
            try AuditLog(connection: connection).record(actorID: id, actorLabel: actor.label, action: "user.alert_rules",
                                                        subjectType: "user", subjectID: id.uuidString,
                                                        details: ["before": Self.describe(before), "after": Self.describe(settings)])
        }
    }

    /// `PATCH /api/v1/me`: the alert settings and, when given, the weekly summary, both or neither.
    public func changeOwnNotices(actor: Actor, alerts: AlertSettings, weeklySummary: Bool?) throws {
        try connection.transaction {
            try setOwnAlertSettings(actor: actor, alerts)
            if let weeklySummary { try setOwnWeeklySummary(actor: actor, weeklySummary) }
        }
    }

    /// The settings as an audit row says them.
    static func describe(_ s: AlertSettings) -> String {
        func flag(_ b: Bool?) -> String { b.map { $0 ? "on" : "off" } ?? "default" }
        return "email \(flag(s.email)), in-app \(flag(s.inApp)), failures \(s.failures ?? "default")"
            + (s.every.map { " every \($0)" } ?? "") + ", recovery \(flag(s.recovery))"
    }
}
