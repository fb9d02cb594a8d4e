import Foundation
import HeraldCore
import Postgres

/// The signed-in user's own notifications, for the page header's bell, `/notifications` and the API alike.
/// Notifications are personal: another user's (an admin's included) is `NotFound`, and is never changed.
public struct NotificationService {
    let repository: NotificationRepository

    public init(connection: PostgresConnection) { repository = NotificationRepository(connection: connection) }

    /// The header counts no further than this: past it the bell says "99+", and the count stays one short scan.
    public static let unreadCountCap = 100

    /// Newest first, one keyset page (`after`: the parts of a cursor this list gave out).
    public func list(actor: Actor, unreadOnly: Bool = false, after: [String]?, limit: Int) throws -> (items: [NotificationRecord], next: [String]?) {
        try repository.list(userID: try user(actor), unreadOnly: unreadOnly, after: try Keyset.after(after, key: .instant), limit: limit)
    }

    /// Unread notifications, at most `unreadCountCap`.
    public func unreadCount(actor: Actor) throws -> Int {
        try repository.unreadCount(userID: try user(actor), cap: Self.unreadCountCap)
    }

    /// Marks one of the actor's notifications read (again is fine) and returns it.
    @discardableResult
    public func markRead(id: UUID, actor: Actor) throws -> NotificationRecord {
        let owner = try user(actor)
        guard let found = try repository.get(id: id), found.userID == owner, let read = try repository.markRead(id: id) else {
            throw NotFound("notification")
        }
        return read
    }

    /// Marks every unread notification of the actor read; `through`: only those created up to that instant (a
    /// page's "Mark all as read" leaves what arrived after the page was shown). Returns how many changed.
    @discardableResult
    public func markAllRead(actor: Actor, through: Date? = nil) throws -> Int {
        try repository.markAllRead(userID: try user(actor), through: through)
    }

    /// Notifications belong to users; the command line has none.
    private func user(_ actor: Actor) throws -> UUID {
        guard let user = actor.userID else { throw NotFound("notification") }
        return user
    }
}
