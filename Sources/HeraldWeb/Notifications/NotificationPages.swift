import Foundation
import HeraldCore
import HeraldStore

/// `/notifications`: the user's notifications newest first (all, or only the unread), keyset pages, "Mark as read"
/// per unread one and "Mark all as read". Both are POSTs (CSRF-checked by the pipeline) answered with a 303 back
/// to the same list, filter and page kept.
enum NotificationPages {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/notifications", .signedIn(.viewer)) { context in
            let list = try ListRequest(context.request)
            let unreadOnly = context.request.queryValue("unread") == "true"
            let page = try NotificationService(connection: try context.store())
                .list(actor: context.actor, unreadOnly: unreadOnly, after: list.after, limit: list.limit)
            let zone = context.principal!.timeZone
            let title = (unreadOnly ? "Unread notifications" : "Notifications") + (list.after == nil ? "" : " (continued)")
            let chrome = PageChrome(title: title, context: context, section: "notifications")
            let rows = page.items.map { NotificationRowView($0, zone: zone) }
            let view = NotificationListPageView(
                chrome: chrome, unreadOnly: unreadOnly, rows: rows, hasRows: !rows.isEmpty,
                hasUnread: rows.contains { $0.unread } || chrome.bell?.badge != nil,
                through: UTCInstant.format(Int64(Date().timeIntervalSince1970.rounded(.up))),
                cursor: context.request.queryValue("cursor").flatMap(validCursor),
                nextHref: page.next.map { "/notifications?" + (unreadOnly ? "unread=true&" : "") + "cursor=" + ListRequest.cursor($0) })
            return .html(try templates.render(view, template: "pages/notifications/list"))
        }
        router.post("/notifications/:id/read", .signedIn(.viewer)) { context in
            let id = try context.id("id", "notification")
            try NotificationService(connection: try context.store()).markRead(id: id, actor: context.actor)
            return .redirect(to: try listAddress(context, done: "notification-read"))
        }
        router.post("/notifications/read-all", .signedIn(.viewer)) { context in
            // What arrived after the page was shown stays unread: the person has not seen it.
            let through = try context.request.form()["through"]?.first.flatMap(UTCInstant.parse)
                .map { Date(timeIntervalSince1970: TimeInterval($0)) }
            try NotificationService(connection: try context.store()).markAllRead(actor: context.actor, through: through)
            return .redirect(to: try listAddress(context, done: "notifications-read"))
        }
    }

    /// The list the form was on: its filter and page from the form's hidden fields, re-made from what they mean
    /// (never text copied from the request).
    static func listAddress(_ context: RequestContext, done: String) throws -> String {
        let form = try context.request.form()
        var query: [String] = []
        if form["unread"]?.first == "true" { query.append("unread=true") }
        if let cursor = form["cursor"]?.first.flatMap(validCursor) { query.append("cursor=" + cursor) }
        query.append("done=" + done)
        return "/notifications?" + query.joined(separator: "&")
    }

    /// A cursor this server could have given out, re-encoded; nil for anything else.
    static func validCursor(_ text: String) -> String? {
        ListRequest.decode(text).map(ListRequest.cursor)
    }
}

/// `pages/notifications/list`.
struct NotificationListPageView: Sendable, Encodable {
    let chrome: PageChrome
    let unreadOnly: Bool
    let rows: [NotificationRowView]
    let hasRows: Bool
    let hasUnread: Bool
    /// When the page was made (UTC, `YYYY-MM-DDTHH:MM:SSZ`): "Mark all as read" marks only what was there by then.
    let through: String
    /// The page's own cursor, for the forms' redirect back to it.
    let cursor: String?
    let nextHref: String?
}

/// One notification as the list shows it.
struct NotificationRowView: Sendable, Encodable {
    let id: String
    let kind: String
    let title: String
    let body: String
    let hasBody: Bool
    let executionHref: String?
    let at: TimeView
    let unread: Bool

    init(_ record: NotificationRecord, zone: String) {
        id = record.id.uuidString.lowercased()
        kind = Self.kinds[record.kind] ?? "Notice"
        title = record.title
        body = record.body
        hasBody = !record.body.isEmpty
        executionHref = record.executionID.map { "/executions/\($0.uuidString.lowercased())" }
        at = TimeView(record.createdAt, zone: zone)
        unread = !record.isRead
    }

    /// The kinds the scheduler writes, in words.
    static let kinds = ["execution.failed": "Run failed", "execution.partial": "Run partly delivered",
                        "execution.recovered": "Working again",
                        "schedule.broken": "Schedule stopped firing",
                        "schedule.paused": "Schedule paused itself",
                        "schedule.late": "Data late"]
}
