import Foundation
import HeraldCore
import HeraldStore

/// What every page's layout needs besides its own content: the title, who is signed in, the navigation (what the
/// principal's role may reach, the current section marked), the notifications bell, the CSRF token for forms, and
/// the request id.
public struct PageChrome: Sendable, Encodable {
    public struct NavItem: Sendable, Encodable { let label: String; let href: String; let current: Bool }
    public struct SignedIn: Sendable, Encodable { let name: String; let email: String; let role: String }

    /// The header's link to `/notifications`: its accessible name says the unread count in words, the badge shows
    /// it in digits (hidden from screen readers, which already heard the name).
    public struct Bell: Sendable, Encodable {
        let label: String
        let badge: String?
        let current: Bool

        /// `unread`: nil when it could not be counted (the page still renders, with a bell and no number).
        init(unread: Int?, current: Bool) {
            self.current = current
            switch unread {
            case .some(let count) where count >= NotificationService.unreadCountCap:
                label = "Notifications, more than \(NotificationService.unreadCountCap - 1) unread"
                badge = "\(NotificationService.unreadCountCap - 1)+"
            case .some(let count) where count > 0:
                label = "Notifications, \(count) unread"
                badge = String(count)
            default:
                label = "Notifications"
                badge = nil
            }
        }
    }

    public let title: String
    public private(set) var requestID: String
    public let csrfToken: String
    public let user: SignedIn?
    public let nav: [NavItem]
    public let bell: Bell?
    /// A one-line confirmation after a redirect ("Schedule paused."), chosen by a key, never text from the URL.
    public let notice: String?

    /// `section`: the nav item to mark current, its path's first segment (`schedules`), or its first two under
    /// `/admin/` (`admin/users`).
    public init(title: String, context: RequestContext, section: String? = nil) {
        self.title = title
        requestID = context.request.requestID
        csrfToken = context.session?.csrfToken ?? ""
        user = context.principal.map { SignedIn(name: $0.displayName.isEmpty ? $0.email : $0.displayName, email: $0.email, role: $0.role.rawValue) }
        let current = section ?? Self.section(of: context.request.path)
        var items: [(String, String)] = []
        if let principal = context.principal {
            items = [("Schedules", "/schedules"), ("Runs", "/executions")]
            if principal.has(.creator) { items += [("Reports", "/reports"), ("Destinations", "/destinations"), ("Templates", "/templates")] }
            if principal.has(.admin) { items += [("Data sources", "/datasources"), ("Users", "/admin/users"), ("Email", "/admin/email"), ("Audit", "/admin/audit")] }
            items += [("Status", "/status")]
        }
        nav = items.map { NavItem(label: $0.0, href: $0.1, current: Self.section(of: $0.1) == current) }
        bell = context.principal.map { _ in
            Bell(unread: context.session?.unreadNotifications ?? Self.unreadCount(context), current: current == "notifications")
        }
        notice = context.request.queryValue("done").flatMap {
            Self.notices[$0] ?? Self.backfilled($0, created: context.request.queryValue("created"), skipped: context.request.queryValue("skipped"))
        }
    }

    /// The same chrome with `Templates.slot` for the request id, for a frame remembered across requests.
    func slottingRequestID() -> PageChrome {
        var slotted = self
        slotted.requestID = Templates.slot
        return slotted
    }

    /// The one query the chrome makes, on a signed-in page whose session did not count already
    /// (`SessionService.Session.unreadNotifications`): a capped count over the partial unread index. A page
    /// whose count fails (an error page while the database is down) still renders, its bell without a number.
    static func unreadCount(_ context: RequestContext) -> Int? {
        do {
            return try NotificationService(connection: try context.store()).unreadCount(actor: context.actor)
        } catch {
            context.logger.warning("the unread notifications could not be counted", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The nav section a path belongs to: `/schedules/new` → `schedules`, `/admin/users/…` → `admin/users`.
    static func section(of path: String) -> String {
        let segments = Router.split(path)
        return segments.first == "admin" ? segments.prefix(2).joined(separator: "/") : segments.first ?? ""
    }

    /// `done=backfilled&created=N&skipped=M`: the counts are read as numbers, so no text from the URL is shown.
    static func backfilled(_ key: String, created: String?, skipped: String?) -> String? {
        guard key == "backfilled", let created = created.flatMap({ Int($0) }), let skipped = skipped.flatMap({ Int($0) }) else { return nil }
        let queued = created == 1 ? "1 backfill run was queued" : "\(created) backfill runs were queued"
        let left = skipped == 0 ? "" : skipped == 1 ? " 1 slot already had a run and was left alone." : " \(skipped) slots already had a run and were left alone."
        return "\(queued); they run one after another, oldest slot first.\(left)"
    }

    /// The confirmations a redirect may ask for with `?done=key`.
    public static let notices: [String: String] = [
        "signed-out": "You are signed out.",
        "saved": "Saved.",
        "created": "Created.",
        "deleted": "Deleted.",
        "paused": "Paused.",
        "resumed": "Resumed.",
        "queued": "A run was queued; it appears in the history as soon as a scheduler picks it up.",
        "resent": "The failed deliveries will be sent again.",
        "shared": "The schedule is shared.",
        "unshared": "The share was removed.",
        "activated": "The schedule is active.",
        "saved-paused": "The schedule was saved, paused.",
        "requeued": "The dead letter was queued to run again.",
        "pinned": "The run is pinned: retention keeps it and its files.",
        "unpinned": "The run is unpinned: it expires with the others.",
        "password": "Your password was changed; your other sessions and API tokens were ended.",
        "time-zone": "Your time zone was saved.",
        "weekly-summary": "Your weekly summary choice was saved.",
        "alerts": "Your alert settings were saved.",
        "token-revoked": "The API token was revoked.",
        "user-disabled": "The user was disabled: their sessions ended and their API tokens were revoked.",
        "user-enabled": "The user was enabled.",
        "user-password": "The password was reset: their sessions ended and their API tokens were revoked.",
        "email-saved": "The SMTP server was saved. Send a test email to check it.",
        "notification-read": "The notification is marked as read.",
        "notifications-read": "All notifications are marked as read.",
    ]
}

/// The session cookie: `__Host-` (so Secure, Path=/ and no Domain are enforced by the browser), HttpOnly, SameSite=Lax.
public enum SessionCookie {
    public static let name = "__Host-herald_session"

    public static func set(_ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=\(maxAge)"
    }

    public static func clear() -> String { "\(name)=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0" }
}

/// An instant as pages show it: in the viewer's zone, in a `<time>` whose `datetime` and `title` carry UTC.
public struct TimeView: Sendable, Encodable {
    public let iso: String
    public let local: String
    public let utc: String

    public init(_ date: Date, zone: String) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        iso = UTCInstant.format(seconds)
        utc = UTCInstant.format(seconds, separator: 0x20, seconds: true, suffix: " UTC")
        let offset = (try? ZoneRules.named(zone).offset(at: seconds)) ?? 0
        local = UTCInstant.format(seconds + Int64(offset), separator: 0x20, seconds: false, suffix: "")
    }
}
