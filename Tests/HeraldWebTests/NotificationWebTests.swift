import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// The header's bell, `/notifications` and `/api/v1/notifications…` through the whole pipeline, over PostgreSQL.
struct NotificationWebTests {
    static let hostileTitle = "<script>alert(1)</script> “Sales” failed"
    static let hostileBody = #"column "x" <img src=x onerror=alert(1)> & 'more'"#

    /// A harness with ada (signed in, in a browser) and bob, and a failed run of ada's schedule.
    struct Fixture {
        let web: WebHarness
        let ada: User
        let bob: User
        let browser: WebHarness.Browser
        let run: UUID

        init() async throws {
            web = try await WebHarness()
            ada = try web.addUser("ada@example.org", role: .creator)
            bob = try web.addUser("bob@example.org", role: .viewer)
            let fx = ExecutionFixtures(store: web.store)
            run = try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "failed", at: Date(), error: "boom")
            browser = web.browser()
            browser.signIn("ada@example.org")
        }

        @discardableResult
        func add(_ user: User, kind: String = "execution.failed", title: String, body: String = "", execution: UUID? = nil,
                 secondsAgo: Int = 0, read: Bool = false) throws -> UUID {
            try web.store.query("""
                INSERT INTO notifications (user_id, kind, title, body, execution_id, created_at, read_at)
                VALUES (\(user.id), \(kind), \(title), \(body), \(execution), now() - make_interval(secs => \(Double(secondsAgo))),
                        CASE WHEN \(read) THEN now() END)
                RETURNING id
                """)[0].decode("id")
        }

        func isRead(_ id: UUID) throws -> Bool {
            try web.store.query("SELECT read_at IS NOT NULL AS read FROM notifications WHERE id = \(id)")[0].decode("read")
        }

        func token(_ email: String) throws -> String {
            try AccountService(connection: web.store).createToken(email: email, name: "ci", actor: "test").token
        }
    }

    static func count(_ needle: String, in page: String) -> Int { page.components(separatedBy: needle).count - 1 }

    @Test func thePageListsNotificationsEscapedNewestFirstWithTheRunLinkAndChangesNothing() async throws {
        let f = try await Fixture()
        let failed = try f.add(f.ada, title: Self.hostileTitle, body: Self.hostileBody, execution: f.run, secondsAgo: 10)
        try f.add(f.ada, kind: "schedule.broken", title: "Schedule “Nightly” stopped firing", body: "unknown time zone", secondsAgo: 5)
        try f.add(f.ada, title: "An old one", secondsAgo: 60, read: true)
        try f.add(f.bob, title: "Bob's own", secondsAgo: 1)
        let response = f.browser.request("GET", "/notifications")
        #expect(response.status == .ok)
        let page = text(response)
        SchedulePageTests.expectInert(page)
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; “Sales” failed"))
        #expect(page.contains("column &quot;x&quot; &lt;img src=x onerror=alert(1)&gt; &amp; &#39;more&#39;"))
        #expect(!page.contains("Bob&#39;s own"))
        #expect(page.contains(#"<a href="/executions/\#(f.run.uuidString.lowercased())">View the run"#))
        #expect(page.contains("Run failed") && page.contains("Schedule stopped firing"))
        // Newest first; the two unread ones are marked in words and have a button naming them; the read one has none.
        let broken = try #require(page.range(of: "Nightly")), sales = try #require(page.range(of: "“Sales” failed")),
            old = try #require(page.range(of: "An old one"))
        #expect(broken.lowerBound < sales.lowerBound && sales.lowerBound < old.lowerBound)
        #expect(Self.count(#"<span class="badge badge-info">Unread</span>"#, in: page) == 2)
        #expect(Self.count(">Mark as read<", in: page) == 2)
        #expect(page.contains(#"formaction="/notifications/\#(failed.uuidString.lowercased())/read""#))
        #expect(page.contains("Mark all as read"))
        #expect(page.contains(#"<time datetime=""#))
        // The bell: the count in words for screen readers, in digits as the badge, marked current on its own page.
        #expect(page.contains(#"<a class="bell" href="/notifications" aria-current="page">"#))
        #expect(page.contains(#"<span class="visually-hidden">Notifications, 2 unread</span><span class="bell-count" aria-hidden="true">2</span>"#))
        #expect(try !f.isRead(failed))
    }

    @Test func markAsReadAndMarkAllAsReadArePostsThatRedirectBackToTheSameList() async throws {
        let f = try await Fixture()
        let first = try f.add(f.ada, title: "First", secondsAgo: 30)
        let second = try f.add(f.ada, title: "Second", secondsAgo: 20)
        let bobs = try f.add(f.bob, title: "Bob's", secondsAgo: 10)
        f.browser.request("GET", "/notifications")
        let csrf = try #require(f.browser.csrfToken)
        let read = f.browser.request("POST", "/notifications/\(first.uuidString.lowercased())/read",
                                     form: [("csrf_token", csrf), ("unread", "true"), ("cursor", "\"><script>")])
        #expect(read.status == .seeOther)
        #expect(read.header("Location") == "/notifications?unread=true&done=notification-read")
        #expect(try f.isRead(first) && !f.isRead(second))
        let shown = text(f.browser.request("GET", "/notifications", query: "unread=true&done=notification-read"))
        #expect(shown.contains("The notification is marked as read."))
        #expect(!shown.contains(">First<") && shown.contains(">Second<"))
        #expect(shown.contains("Notifications, 1 unread"))

        // Another user's notification and an unknown id are the same 404; neither is touched.
        for id in [bobs, UUID()] {
            #expect(f.browser.request("POST", "/notifications/\(id.uuidString.lowercased())/read", form: [("csrf_token", csrf)]).status == .notFound)
        }
        #expect(try !f.isRead(bobs))
        // Without the CSRF token nothing changes.
        #expect(f.browser.request("POST", "/notifications/\(second.uuidString.lowercased())/read", form: []).status == .forbidden)
        #expect(f.browser.request("POST", "/notifications/read-all", form: []).status == .forbidden)
        #expect(try !f.isRead(second))

        // Mark all as read leaves what arrived after the page was shown.
        let page = text(f.browser.request("GET", "/notifications"))
        let through = try #require(f.browser.hidden("through"))
        #expect(UTCInstant.parse(through) != nil && page.contains("Mark all as read"))
        let later = try f.add(f.ada, title: "Later", secondsAgo: -120)
        let all = f.browser.request("POST", "/notifications/read-all", form: [("csrf_token", csrf), ("through", through)])
        #expect(all.status == .seeOther)
        #expect(all.header("Location") == "/notifications?done=notifications-read")
        #expect(try f.isRead(second) && !f.isRead(later) && !f.isRead(bobs))
        #expect(f.browser.request("POST", "/notifications/read-all", form: [("csrf_token", csrf)]).status == .seeOther)
        #expect(try f.isRead(later))
        let done = text(f.browser.request("GET", "/notifications", query: "done=notifications-read"))
        #expect(done.contains("All notifications are marked as read."))
        #expect(done.contains(#"<span class="visually-hidden">Notifications</span></a>"#))
        #expect(!done.contains("bell-count") && !done.contains("Mark all as read"))
        #expect(try !f.isRead(bobs))
    }

    @Test func anEmptyListSaysWhatWillAppearAndALongOnePagesOn() async throws {
        let f = try await Fixture()
        let empty = text(f.browser.request("GET", "/notifications"))
        #expect(empty.contains("No notifications yet."))
        #expect(!empty.contains("Mark all as read"))
        #expect(text(f.browser.request("GET", "/notifications", query: "unread=true")).contains("No unread notifications."))
        for age in 1...3 { try f.add(f.ada, title: "Number \(age)", secondsAgo: age) }
        let first = text(f.browser.request("GET", "/notifications", query: "limit=2"))
        #expect(first.contains("Number 1") && first.contains("Number 2") && !first.contains("Number 3"))
        let start = try #require(first.range(of: #"<a href="/notifications?cursor="#))
        let href = String(first[first.index(start.lowerBound, offsetBy: 9)...].prefix { $0 != "\"" })
        let cursor = String(href.dropFirst("/notifications?cursor=".count))
        let second = text(f.browser.request("GET", "/notifications", query: "cursor=\(cursor)&limit=2"))
        #expect(second.contains("Number 3") && !second.contains("Number 1"))
        #expect(second.contains("<title>Notifications (continued) · Herald</title>"))
        #expect(!second.contains("Older notifications"))
        // The page's forms carry its cursor, so a button sends the person back to this page.
        #expect(f.browser.hidden("cursor") == cursor)
        #expect(f.browser.request("GET", "/notifications", query: "cursor=garbage").status == .unprocessableContent)
    }

    @Test func everySignedInPageHasTheBellWithACappedCount() async throws {
        let f = try await Fixture()
        let status = text(f.browser.request("GET", "/status"))
        #expect(status.contains(#"<a class="bell" href="/notifications"><svg"#))
        #expect(status.contains(#"<span class="visually-hidden">Notifications</span></a>"#))
        try f.web.store.execute("""
            INSERT INTO notifications (user_id, kind, title) SELECT \(f.ada.id), 'execution.failed', 'n' || i FROM generate_series(1, 150) AS i
            """)
        let busy = text(f.browser.request("GET", "/schedules"))
        #expect(busy.contains(#"<span class="visually-hidden">Notifications, more than 99 unread</span><span class="bell-count" aria-hidden="true">99+</span>"#))
        // Bob's count is his own; a signed-out page has no bell.
        let bob = f.web.browser()
        bob.signIn("bob@example.org")
        #expect(text(bob.request("GET", "/status")).contains(#"<span class="visually-hidden">Notifications</span></a>"#))
        #expect(!text(f.web.browser().request("GET", "/login")).contains("bell"))
    }

    @Test func theAPIListsFiltersAndMarksOnlyTheCallersOwnAndMatchesItsSchema() async throws {
        let f = try await Fixture()
        let failed = try f.add(f.ada, title: Self.hostileTitle, body: Self.hostileBody, execution: f.run, secondsAgo: 10)
        let broken = try f.add(f.ada, kind: "schedule.broken", title: "Stopped", secondsAgo: 5, read: true)
        let bobs = try f.add(f.bob, title: "Bob's", secondsAgo: 1)
        let auth = ["Authorization": "Bearer \(try f.token("ada@example.org"))"]
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json())) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func json(_ response: HTTPResponse, _ schema: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
            let value = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], sourceLocation: sourceLocation)
            let problems = SchemaCheck(schemas: schemas).problems(value, schema, at: "response")
            #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
            return value
        }

        let listed = f.web.respond("GET", "/api/v1/notifications", headers: auth)
        #expect(listed.status == .ok)
        let all = try json(listed, OpenAPI.listOf("Notification"))
        let items = try #require(all["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == [broken, failed].map { $0.uuidString })
        #expect(Set(items[1].keys) == ["id", "kind", "title", "body", "execution_id", "read", "created_at"])
        #expect(items[1]["title"] as? String == Self.hostileTitle && items[1]["body"] as? String == Self.hostileBody)
        #expect(items[1]["execution_id"] as? String == f.run.uuidString && items[1]["read"] as? Bool == false)
        #expect(items[0]["execution_id"] is NSNull && items[0]["read"] as? Bool == true)
        #expect(all["next_cursor"] is NSNull)

        let unread = try json(f.web.respond("GET", "/api/v1/notifications", query: "unread=true", headers: auth), OpenAPI.listOf("Notification"))
        #expect((unread["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [failed.uuidString])
        let paged = try json(f.web.respond("GET", "/api/v1/notifications", query: "limit=1", headers: auth), OpenAPI.listOf("Notification"))
        let cursor = try #require(paged["next_cursor"] as? String)
        let rest = try json(f.web.respond("GET", "/api/v1/notifications", query: "limit=1&cursor=\(cursor)", headers: auth), OpenAPI.listOf("Notification"))
        #expect((rest["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [failed.uuidString])
        #expect(f.web.respond("GET", "/api/v1/notifications", query: "unread=maybe", headers: auth).status == .unprocessableContent)

        // Another user's notification is 404 (problem JSON), and stays unread.
        let foreign = f.web.respond("POST", "/api/v1/notifications/\(bobs.uuidString.lowercased())/read", headers: auth)
        #expect(foreign.status == .notFound && foreign.header("Content-Type") == "application/problem+json")
        #expect(try !f.isRead(bobs))
        let marked = f.web.respond("POST", "/api/v1/notifications/\(failed.uuidString.lowercased())/read", headers: auth)
        #expect(marked.status == .ok)
        let item = try json(marked, OpenAPI.ref("Notification"))
        #expect(item["id"] as? String == failed.uuidString && item["read"] as? Bool == true)
        try f.add(f.ada, title: "Another", secondsAgo: 0)
        #expect(f.web.respond("POST", "/api/v1/notifications/read-all", headers: auth).status == .noContent)
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM notifications WHERE read_at IS NULL")[0].decode("n", as: Int.self) == 1)
        #expect(try !f.isRead(bobs))
        #expect(f.web.respond("GET", "/api/v1/notifications").status == .unauthorized)
    }

    @Test func aCookiePostToTheAPIWithoutTheCSRFHeaderIsRefused() async throws {
        let f = try await Fixture()
        let id = try f.add(f.ada, title: "Mine", secondsAgo: 1)
        f.browser.request("GET", "/notifications")
        let csrf = try #require(f.browser.csrfToken)
        let path = "/api/v1/notifications/\(id.uuidString.lowercased())/read"
        #expect(f.browser.request("POST", path).status == .forbidden)
        #expect(f.browser.request("POST", "/api/v1/notifications/read-all").status == .forbidden)
        #expect(f.browser.request("POST", path, headers: ["X-CSRF-Token": "not-the-token"]).status == .forbidden)
        #expect(try !f.isRead(id))
        #expect(f.browser.request("POST", path, headers: ["X-CSRF-Token": csrf]).status == .ok)
        #expect(try f.isRead(id))
    }
}
