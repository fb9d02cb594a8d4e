import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

struct SchedulePageTests {
    /// Every hostile string must come out escaped: no raw tag, no attribute break-out.
    static func expectInert(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!page.contains("<script>alert(1)</script>"), sourceLocation: sourceLocation)
        #expect(!page.contains("<img src=x onerror=alert(1)>"), sourceLocation: sourceLocation)
        #expect(!page.contains("href=\"javascript:"), sourceLocation: sourceLocation)
    }

    @Test func theListFiltersSearchesAndPages() async throws {
        let f = try await ScheduleWebFixture()
        let first = try f.createSchedule(name: "Alpha")
        try f.createSchedule(name: "Beta")
        try f.createSchedule(name: "Gamma")
        let b = f.web.browser()
        b.signIn("ada@example.org")
        let all = text(b.request("GET", "/schedules"))
        #expect(all.contains("Alpha") && all.contains("Beta") && all.contains("Gamma"))
        #expect(all.contains("Every day at 07:00, Europe/Berlin"))
        #expect(all.contains("Failing <span class=\"count\">(0)</span>"))
        #expect(all.contains("form=\"row-actions\" formaction=\"/schedules/\(first.id.uuidString.lowercased())/pause\""))

        let pause = b.request("POST", "/schedules/\(first.id.uuidString.lowercased())/pause",
                              form: [("csrf_token", b.csrfToken ?? ""), ("return", "list")])
        #expect(pause.status == .seeOther)
        #expect(pause.header("Location") == "/schedules?done=paused")
        _ = try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            .pause(first.id, note: "until Monday", actor: .commandLine)
        let paused = text(b.request("GET", "/schedules", query: "status=paused"))
        #expect(paused.contains("until Monday"))
        #expect(paused.contains("Alpha") && !paused.contains("Beta"))
        #expect(text(b.request("GET", "/schedules", query: "done=paused")).contains("<p class=\"notice\" role=\"status\">Paused.</p>"))
        #expect(paused.contains("aria-current=\"page\">Paused</a>"))
        let searched = text(b.request("GET", "/schedules", query: "q=gam"))
        #expect(searched.contains("Gamma") && !searched.contains("Beta"))
        let none = text(b.request("GET", "/schedules", query: "q=nothing-like-it"))
        #expect(none.contains("No schedule matches"))

        let page1 = text(b.request("GET", "/schedules", query: "limit=2"))
        #expect(page1.contains("Gamma") && page1.contains("Beta") && !page1.contains(">Alpha<"))
        let next = try #require(page1.range(of: #"href="/schedules\?[^"]*cursor=[^"]*""#, options: .regularExpression)
            .map { String(page1[$0].dropFirst(6).dropLast()) })
        let query = String(next.split(separator: "?", maxSplits: 1)[1]).replacingOccurrences(of: "&amp;", with: "&")
        let page2 = text(b.request("GET", "/schedules", query: query + "&limit=2"))
        #expect(page2.contains(">Alpha<") && !page2.contains(">Gamma<"))

        // A POST without the CSRF token changes nothing.
        #expect(b.request("POST", "/schedules/\(first.id.uuidString.lowercased())/resume", form: []).status == .forbidden)
        #expect(try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            .get(first.id, actor: .commandLine).paused)
    }

    @Test func hostileStringsAreInertInTheListAndTheSchedulePage() async throws {
        for hostile in ScheduleWebFixture.hostile {
            let f = try await ScheduleWebFixture(reportName: hostile)
            let schedule = try f.createSchedule(name: hostile)
            let service = ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            _ = try service.pause(schedule.id, note: hostile, actor: .commandLine)
            try f.web.store.execute("UPDATE users SET display_name = \(hostile) WHERE id = \(f.vic.id)")
            try service.share(schedule.id, emails: ["vic@example.org"], actor: .commandLine)
            let b = f.web.browser()
            b.signIn("ada@example.org")
            let list = text(b.request("GET", "/schedules"))
            #expect(list.contains("&lt;") || list.contains("&quot;") || list.contains("javascript:alert(1)"))
            Self.expectInert(list)
            let show = b.request("GET", "/schedules/\(schedule.id.uuidString.lowercased())")
            #expect(show.status == .ok)
            Self.expectInert(text(show))
            Self.expectInert(text(b.request("GET", "/schedules/\(schedule.id.uuidString.lowercased())/delete")))
            Self.expectInert(text(b.request("GET", "/schedules", query: "q=\(WebHarness.Browser.escape(hostile))")))
        }
    }

    @Test func theSchedulePageShowsConfigurationNextRunsAndHistory() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule(name: "Morning")
        let principal = try #require(try UserRepository(connection: f.web.store).principal(userID: f.ada.id))
        let run = try ExecutionService(connection: f.web.store).runNow(scheduleID: schedule.id, actor: .user(principal))
        try f.web.store.execute("UPDATE executions SET status = 'partial', started_at = now() - interval '3 seconds', finished_at = now(), row_count = 42 WHERE id = \(run)")
        try f.web.store.execute("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status, last_error)
            VALUES (\(run), \(f.folder), 'folder', 'k', 'failed', 'disk full')
            """)
        try f.web.store.execute("""
            INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(run), 'csv', 'sales.csv', 'a/b.csv', 10, '\\x00'::bytea)
            """)
        let b = f.web.browser()
        b.signIn("ada@example.org")
        let path = "/schedules/\(schedule.id.uuidString.lowercased())"
        let page = text(b.request("GET", path))
        #expect(page.contains("Every day at 07:00, Europe/Berlin"))
        #expect(page.contains("0 7 * * *"))
        #expect(page.contains("0 of the last 1 runs succeeded."))
        #expect(page.contains("<svg role=\"img\""))
        #expect(page.contains("disk full"))
        #expect(page.contains("/download\">Download sales.csv"))
        #expect(page.contains(">42<"))
        #expect(page.contains("Re-send failed deliveries"))

        let resend = b.request("POST", path + "/resend", form: [("csrf_token", b.csrfToken ?? ""), ("execution_id", run.uuidString)])
        #expect(resend.status == .seeOther, "\(text(resend))")
        #expect(try f.web.store.query("SELECT status FROM deliveries")[0].decode("status", as: String.self) == "pending")

        b.request("GET", path)
        let shared = b.request("POST", path + "/shares", form: [("csrf_token", b.csrfToken ?? ""), ("email", "vic@example.org")])
        #expect(shared.status == .seeOther)
        b.request("GET", path)
        let unknown = b.request("POST", path + "/shares", form: [("csrf_token", b.csrfToken ?? ""), ("email", "nobody@example.org")])
        #expect(unknown.status == .unprocessableContent)
        #expect(text(unknown).contains("id=\"share-email-error\""))

        // The viewer it is shared with sees it without the buttons and cannot change it.
        let v = f.web.browser()
        v.signIn("vic@example.org")
        let viewed = text(v.request("GET", path))
        #expect(viewed.contains("Morning") && !viewed.contains("Run now"))
        v.request("GET", "/schedules")
        #expect(v.request("POST", path + "/pause", form: [("csrf_token", v.csrfToken ?? "")]).status == .forbidden)
        #expect(v.request("POST", path + "/delete", form: [("csrf_token", v.csrfToken ?? "")]).status == .forbidden)
        // Another creator gets 404 for the page and its forms.
        let o = f.web.browser()
        o.signIn("bob@example.org")
        #expect(o.request("GET", path).status == .notFound)
        #expect(o.request("GET", path + "/delete").status == .notFound)
        o.request("GET", "/schedules")
        #expect(o.request("POST", path + "/run", form: [("csrf_token", o.csrfToken ?? "")]).status == .notFound)

        b.request("GET", path + "/delete")
        let deleted = b.request("POST", path + "/delete", form: [("csrf_token", b.csrfToken ?? "")])
        #expect(deleted.header("Location") == "/schedules?done=deleted")
        #expect(b.request("GET", path).status == .notFound)
    }
}
