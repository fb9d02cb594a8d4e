import Foundation
import HeraldCore
import Postgres

/// Reads `audit_log` for admins: newest first, filtered, one keyset page at a time (`at, id` descending).
public struct AuditTrail {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public struct Entry: Sendable, Equatable {
        public let id: Int64
        public let at: Date
        public let actorLabel: String
        public let action: String
        public let subjectType: String
        public let subjectID: String?
        /// `details` as text keys and values, sorted by key.
        public let details: [(key: String, value: String)]

        public static func == (a: Entry, b: Entry) -> Bool { a.id == b.id }
    }

    /// Every filter is optional: the actor's label (an e-mail, `cli`, `scheduler`), an action or its prefix
    /// (`user.` or `user.create`), the subject type, and an instant range (`from` inclusive, `to` exclusive).
    public struct Filter: Sendable, Equatable {
        public var actor: String?
        public var action: String?
        public var subjectType: String?
        public var from: Date?
        public var to: Date?

        public init(actor: String? = nil, action: String? = nil, subjectType: String? = nil, from: Date? = nil, to: Date? = nil) {
            self.actor = actor
            self.action = action
            self.subjectType = subjectType
            self.from = from
            self.to = to
        }
    }

    public struct Page: Sendable {
        public let entries: [Entry]
        /// The sort key of the last entry shown when more follow: `[at as text, id]`.
        public let next: [String]?

        public init(entries: [Entry], next: [String]?) {
            self.entries = entries
            self.next = next
        }
    }

    public func list(actor: Actor, filter: Filter, after: [String]? = nil, limit: Int = 50) throws -> Page {
        guard actor.isAdmin else { throw Forbidden("Only admins read the audit log.") }
        let key = try Keyset.after(after, key: .instant) { Int64($0) }
        let action = filter.action.map(LikePattern.escaped)
        let rows = try connection.query("""
            SELECT id, at, \(unsafeRaw: instantSortKey("at")) AS at_key, actor_label, action,
                   subject_type, subject_id,
                   CASE WHEN jsonb_typeof(details) = 'object'
                        THEN (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each_text(details))::text
                        ELSE jsonb_build_object('value', details::text)::text END AS details
            FROM audit_log
            WHERE (\(filter.actor)::text IS NULL OR actor_label = \(filter.actor)::text)
              AND (\(action)::text IS NULL OR action = \(filter.action)::text OR action LIKE \(action)::text || '%')
              AND (\(filter.subjectType)::text IS NULL OR subject_type = \(filter.subjectType)::text)
              AND (\(filter.from)::timestamptz IS NULL OR at >= \(filter.from)::timestamptz)
              AND (\(filter.to)::timestamptz IS NULL OR at < \(filter.to)::timestamptz)
              AND (\(key?.key)::timestamptz IS NULL OR (at, id) < (\(key?.key)::timestamptz, \(key?.id)::bigint))
            ORDER BY at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        var entries: [Entry] = []
        var keys: [[String]] = []
        for row in rows.prefix(limit) {
            let details = (try? row.decodeJSON("details", as: [String: String].self)) ?? [:]
            entries.append(Entry(id: try row.decode("id"), at: try row.decode("at"), actorLabel: try row.decode("actor_label"),
                                 action: try row.decode("action"), subjectType: try row.decode("subject_type"),
                                 subjectID: try row.decode("subject_id", as: String?.self),
                                 details: details.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
            keys.append([try row.decode("at_key"), String(try row.decode("id", as: Int64.self))])
        }
        return Page(entries: entries, next: rows.count > limit ? keys.last : nil)
    }
}
