import Foundation
import HeraldCore
import Postgres

/// The wizard's server-side drafts (`schedule_drafts`): each belongs to one user, lives two days, and is only ever
/// read back by its user; another user's draft (or an expired one) is `NotFound`. Nothing here creates a schedule.
public struct ScheduleDraftRepository {
    public struct Stored: Sendable {
        public let id: UUID
        /// The schedule being edited, if the draft edits one.
        public let scheduleID: UUID?
        public var draft: ScheduleDraft

        public init(id: UUID, scheduleID: UUID?, draft: ScheduleDraft) {
            self.id = id
            self.scheduleID = scheduleID
            self.draft = draft
        }
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// How many expired drafts (anyone's) each new draft sweeps away: enough to keep up with the drafts made, few
    /// enough that starting the wizard never waits on a large delete.
    public static let sweepBatch = 100

    /// A new draft for a creator; editing a schedule starts from it (and needs the right to change it). Expired
    /// drafts of every user go first, a bounded batch at a time; rows another sweep holds are left to it.
    public func create(_ draft: ScheduleDraft, editing scheduleID: UUID? = nil, actor: Actor) throws -> UUID {
        guard let user = actor.userID, actor.has(.creator) else { throw Forbidden("Only creators and admins make schedules.") }
        try connection.execute("""
            DELETE FROM schedule_drafts WHERE id IN (
                SELECT id FROM schedule_drafts WHERE expires_at < now() LIMIT \(Self.sweepBatch) FOR UPDATE SKIP LOCKED)
            """)
        return try connection.query("""
            INSERT INTO schedule_drafts (user_id, schedule_id, body) VALUES (\(user), \(scheduleID), \(PostgresJSON(draft))::jsonb)
            RETURNING id
            """)[0].decode("id")
    }

    public func load(_ id: UUID, actor: Actor) throws -> Stored {
        guard let user = actor.userID,
              let row = try connection.query("""
                SELECT id, schedule_id, body::text AS body FROM schedule_drafts WHERE id = \(id) AND user_id = \(user) AND expires_at > now()
                """).first else { throw NotFound("draft") }
        return Stored(id: id, scheduleID: try row.decode("schedule_id", as: UUID?.self), draft: try row.decodeJSON("body"))
    }

    public func save(_ stored: Stored, actor: Actor) throws {
        guard let user = actor.userID else { throw NotFound("draft") }
        guard try connection.execute("""
            UPDATE schedule_drafts SET body = \(PostgresJSON(stored.draft))::jsonb, updated_at = now(), expires_at = now() + interval '2 days'
            WHERE id = \(stored.id) AND user_id = \(user)
            """) == 1 else { throw NotFound("draft") }
    }

    public func delete(_ id: UUID, actor: Actor) throws {
        guard let user = actor.userID else { return }
        try connection.execute("DELETE FROM schedule_drafts WHERE id = \(id) AND user_id = \(user)")
    }
}
