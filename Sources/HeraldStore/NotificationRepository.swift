import Foundation
import HeraldCore
import Postgres

/// A notification as its owner reads it. The scheduler writes them (a failed or partial run, a broken schedule);
/// `kind` says which (`execution.failed`, `execution.partial`, `execution.recovered`, `schedule.broken`, `schedule.paused`, `schedule.late`).
public struct NotificationRecord: Sendable, Equatable {
    public let id: UUID
    public let userID: UUID
    public let kind: String
    public let title: String
    public let body: String
    public let executionID: UUID?
    public let readAt: Date?
    public let createdAt: Date

    public var isRead: Bool { readAt != nil }
}

/// SQL for `notifications`. It takes user ids as given: whose notification may be read or changed is
/// `NotificationService`'s decision.
public struct NotificationRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    static let columns = "id, user_id, kind, title, body, execution_id, read_at, created_at"

    /// The user's notifications after `after` (newest first, keyset on `created_at, id`), one more than `limit`
    /// read to know whether a next page exists; `next` is the sort key of the last one returned.
    public func list(userID: UUID, unreadOnly: Bool, after: Keyset<UUID>?, limit: Int) throws -> (items: [NotificationRecord], next: [String]?) {
        var keyset: PostgresQuery = "true"
        if let after { keyset = "(created_at, id) < (\(after.key)::timestamptz, \(after.id)::uuid)" }
        let rows = try connection.query("""
            SELECT \(unsafeRaw: Self.columns), \(unsafeRaw: instantSortKey("created_at")) AS sort_key
            FROM notifications
            WHERE user_id = \(userID) AND (NOT \(unreadOnly) OR read_at IS NULL) AND \(fragment: keyset)
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.record)
        var next: [String]?
        if rows.count > limit, let last = items.last {
            next = Keyset.parts(try rows[limit - 1].decode("sort_key", as: String.self), last.id)
        }
        return (items, next)
    }

    /// How many of the user's notifications are unread, counting no further than `cap`: one scan of the partial
    /// unread index that stops early, cheap enough for every page's header.
    public func unreadCount(userID: UUID, cap: Int) throws -> Int {
        let count: Int64 = try connection.query("""
            SELECT count(*) AS n FROM (SELECT 1 FROM notifications WHERE user_id = \(userID) AND read_at IS NULL LIMIT \(cap)) AS unread
            """)[0].decode("n")
        return Int(count)
    }

    public func get(id: UUID) throws -> NotificationRecord? {
        try connection.query("SELECT \(unsafeRaw: Self.columns) FROM notifications WHERE id = \(id)").first.map(Self.record)
    }

    /// Marks it read (keeping the first `read_at` when it already was) and returns it as it now is.
    public func markRead(id: UUID) throws -> NotificationRecord? {
        try connection.query("""
            UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = \(id)
            RETURNING \(unsafeRaw: Self.columns)
            """).first.map(Self.record)
    }

    /// Marks the user's unread notifications read, those created up to `through` only when it is given; returns how
    /// many changed.
    public func markAllRead(userID: UUID, through: Date?) throws -> Int {
        try connection.execute("""
            UPDATE notifications SET read_at = now()
            WHERE user_id = \(userID) AND read_at IS NULL AND (\(through)::timestamptz IS NULL OR created_at <= \(through)::timestamptz)
            """)
    }

    static func record(_ row: PostgresRow) throws -> NotificationRecord {
        NotificationRecord(id: try row.decode("id"), userID: try row.decode("user_id"), kind: try row.decode("kind"),
                           title: try row.decode("title"), body: try row.decode("body"),
                           executionID: try row.decode("execution_id", as: UUID?.self), readAt: try row.decode("read_at", as: Date?.self),
                           createdAt: try row.decode("created_at"))
    }
}
