import Foundation
import HeraldCore
import Postgres

/// Who may see what, in one place, as SQL predicates every repository splices in with `\(fragment: ...)`: an admin
/// sees everything; anyone else sees the schedules they own or that are shared with them (`schedule_shares`), those
/// schedules' executions and artifacts, and the reports they own. What is not visible answers `NotFound`, never
/// `Forbidden`, so ids cannot be probed. Changing needs more: a viewer changes nothing, a creator only what they own.
public enum Visibility {
    /// `alias.id` is a schedule the actor may see.
    public static func schedule(_ alias: String, _ actor: Actor) -> PostgresQuery {
        guard let user = actor.userID, !actor.isAdmin else { return "true" }
        return """
            (\(unsafeRaw: alias).owner_id = \(user)::uuid
             OR EXISTS (SELECT 1 FROM schedule_shares v WHERE v.schedule_id = \(unsafeRaw: alias).id AND v.user_id = \(user)::uuid))
            """
    }

    /// `alias` (an executions row) belongs to a schedule the actor may see, or (a run without a schedule) to a report
    /// the actor owns.
    public static func execution(_ alias: String, _ actor: Actor) -> PostgresQuery {
        guard let user = actor.userID, !actor.isAdmin else { return "true" }
        return """
            (EXISTS (SELECT 1 FROM schedules vs WHERE vs.id = \(unsafeRaw: alias).schedule_id
                     AND (vs.owner_id = \(user)::uuid
                          OR EXISTS (SELECT 1 FROM schedule_shares v WHERE v.schedule_id = vs.id AND v.user_id = \(user)::uuid)))
             OR (\(unsafeRaw: alias).schedule_id IS NULL
                 AND EXISTS (SELECT 1 FROM reports vr WHERE vr.id = \(unsafeRaw: alias).report_id AND vr.owner_id = \(user)::uuid)))
            """
    }

    /// `alias.owner_id` is the actor (or the actor is an admin): the actor may change the object.
    public static func owned(_ alias: String, _ actor: Actor) -> PostgresQuery {
        guard let user = actor.userID, !actor.isAdmin else { return "true" }
        return "\(unsafeRaw: alias).owner_id = \(user)::uuid"
    }
}
