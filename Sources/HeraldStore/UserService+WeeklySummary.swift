import Foundation
import HeraldCore

/// The weekly summary opt-out (`/account`, `GET /api/v1/me`): each user sets only their own, and a change is audited.
extension UserService {
    public func ownWeeklySummary(actor: Actor) throws -> Bool {
        try WeeklySummaryRepository(connection: connection).isEnabled(userID: try signedIn(actor))
    }

    public func setOwnWeeklySummary(actor: Actor, _ enabled: Bool) throws {
        let id = try signedIn(actor)
        try atomically(connection) {
            let summaries = WeeklySummaryRepository(connection: connection)
            guard try summaries.isEnabled(userID: id) != enabled else { return }
            try summaries.setEnabled(userID: id, enabled)
            try AuditLog(connection: connection).record(actorID: id, actorLabel: actor.label, action: "user.weekly_summary",
                                                        subjectType: "user", subjectID: id.uuidString,
                                                        details: ["after": enabled ? "on" : "off"])
        }
    }
}
