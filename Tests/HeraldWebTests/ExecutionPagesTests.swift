import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// `/executions`, `/executions/:id` and the executions API, against real PostgreSQL and Redis.
struct ExecutionPagesTests {
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)"]

    struct Page: Decodable {
        struct Item: Decodable { let id: UUID; let status: String; let scheduleId: UUID? }
        let items: [Item]
        let nextCursor: String?
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(response.body))
    }

    @Test func theListFiltersByStatusScheduleAndDatesAndPagesWithACursor() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let first = try fx.schedule(owner: ada.id, name: "First")
        let second = try fx.schedule(owner: ada.id, name: "Second")
        let base = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30
        var ids: [UUID] = []
        for (i, status) in ["succeeded", "failed", "succeeded", "running"].enumerated() {
            ids.append(try fx.execution(schedule: first, status: status, at: base.addingTimeInterval(Double(i) * 3600)))
        }
        let other = try fx.execution(schedule: second, status: "partial", at: base.addingTimeInterval(86_400 * 2))
        let browser = web.browser()
        browser.signIn("ada@example.org")

        let page1 = try Self.decode(Page.self, browser.request("GET", "/api/v1/executions", query: "limit=2"))
        #expect(page1.items.map(\.id) == [other, ids[3]])
        let cursor = try #require(page1.nextCursor)
        let page2 = try Self.decode(Page.self, browser.request("GET", "/api/v1/executions", query: "limit=2&cursor=\(cursor)"))
        #expect(page2.items.map(\.id) == [ids[2], ids[1]])
        let page3 = try Self.decode(Page.self, browser.request("GET", "/api/v1/executions", query: "limit=2&cursor=\(try #require(page2.nextCursor))"))
        #expect(page3.items.map(\.id) == [ids[0]])
        #expect(page3.nextCursor == nil)

        #expect(try Self.decode(Page.self, browser.request("GET", "/api/v1/executions", query: "status=failed")).items.map(\.id) == [ids[1]])
        #expect(try Self.decode(Page.self, browser.request("GET", "/api/v1/executions", query: "schedule_id=\(second)")).items.map(\.id) == [other])
        let ranged = try Self.decode(Page.self, browser.request("GET", "/api/v1/executions",
                                                                query: "from=2026-11-30T01:00:00Z&to=2026-11-30T03:00:00Z"))
        #expect(ranged.items.map(\.id) == [ids[2], ids[1]])
        let day = try Self.decode(Page.self, browser.request("GET", "/api/v1/executions", query: "from=2026-12-02&to=2026-12-02"))
        #expect(day.items.map(\.id) == [other])
        #expect(browser.request("GET", "/api/v1/executions", query: "status=exploded").status == .unprocessableContent)
        #expect(browser.request("GET", "/api/v1/executions", query: "cursor=bm9wZQ").status == .unprocessableContent)
        let forged = ListRequest.cursor(["2026-11-30'; DROP TABLE executions; --", UUID().uuidString])
        #expect(browser.request("GET", "/api/v1/executions", query: "cursor=\(forged)").status == .unprocessableContent)

        let html = browser.request("GET", "/executions", query: "status=succeeded&limit=1")
        #expect(html.status == .ok)
        let body = text(html)
        #expect(body.contains("/executions/\(ids[2].uuidString.lowercased())"))
        #expect(!body.contains("/executions/\(ids[0].uuidString.lowercased())"))
        #expect(body.contains(#"<option value="succeeded" selected>"#))
        let next = try #require(body.range(of: #"href="/executions\?status=succeeded&amp;limit=1&amp;cursor=[A-Za-z0-9_-]+""#, options: .regularExpression))
        let href = body[next].dropFirst(6).dropLast().replacingOccurrences(of: "&amp;", with: "&")
        let query = String(href.split(separator: "?", maxSplits: 1)[1])
        let older = text(browser.request("GET", "/executions", query: query))
        #expect(older.contains("/executions/\(ids[0].uuidString.lowercased())"))
        #expect(!older.contains("rel=\"next\""))
        #expect(text(browser.request("GET", "/executions", query: "status=cancelled")).contains("No run matches these filters."))
    }

    @Test func anotherUsersRunsAndFilesAreNotFoundInPagesAndAPI() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        try web.addUser("bob@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let schedule = try fx.schedule(owner: ada.id)
        let run = try fx.execution(schedule: schedule, status: "failed", at: Date())
        let file = try fx.artifact(execution: run)
        let bob = web.browser()
        bob.signIn("bob@example.org")
        let runID = run.uuidString.lowercased(), fileID = file.uuidString.lowercased()
        for path in ["/executions/\(runID)", "/api/v1/executions/\(runID)", "/artifacts/\(fileID)/download", "/api/v1/artifacts/\(fileID)/link",
                     "/executions/not-an-id", "/api/v1/executions/\(UUID().uuidString)"] {
            #expect(bob.request("GET", path).status == .notFound, "\(path)")
        }
        #expect(bob.request("POST", "/api/v1/executions/\(runID)/resend", headers: ["X-CSRF-Token": bobToken(bob)]).status == .notFound)
        #expect(try Self.decode(Page.self, bob.request("GET", "/api/v1/executions")).items.isEmpty)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'artifact.download'")[0].decode("n", as: Int.self) == 0)
    }

    func bobToken(_ browser: WebHarness.Browser) -> String {
        browser.request("GET", "/executions")
        return browser.csrfToken ?? ""
    }

    @Test func aViewerSharedAScheduleSeesItsRunsButCannotResend() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let vic = try web.addUser("vic@example.org", role: .viewer)
        let fx = ExecutionFixtures(store: web.store)
        let schedule = try fx.schedule(owner: ada.id)
        try web.store.execute("INSERT INTO schedule_shares (schedule_id, user_id) VALUES (\(schedule), \(vic.id))")
        let run = try fx.execution(schedule: schedule, status: "failed", at: Date())
        let folder = try fx.destination(owner: ada.id, name: "Finance")
        try fx.delivery(execution: run, destination: folder, status: "failed", lastError: "disk full")
        let path = "/executions/\(run.uuidString.lowercased())"

        let viewer = web.browser()
        viewer.signIn("vic@example.org")
        let page = viewer.request("GET", path)
        #expect(page.status == .ok)
        #expect(text(page).contains("disk full"))
        #expect(!text(page).contains("/resend"))
        #expect(try Self.decode(Page.self, viewer.request("GET", "/api/v1/executions")).items.map(\.id) == [run])
        #expect(viewer.request("POST", path + "/resend", form: [("csrf_token", viewer.csrfToken ?? "")]).status == .forbidden)
        let token = try AccountService(connection: web.store).createToken(email: "vic@example.org", name: "ci", actor: "test").token
        #expect(web.respond("POST", "/api/v1" + path + "/resend", headers: ["Authorization": "Bearer \(token)"]).status == .forbidden)
        #expect(web.respond("POST", "/api/v1" + path + "/requeue", headers: ["Authorization": "Bearer \(token)"]).status == .forbidden)
        #expect(try web.store.query("SELECT status FROM deliveries")[0].decode("status", as: String.self) == "failed")
        #expect(try web.store.query("SELECT status FROM executions")[0].decode("status", as: String.self) == "failed")

        let owner = web.browser()
        owner.signIn("ada@example.org")
        #expect(text(owner.request("GET", path)).contains("\(path)/resend"))
        let resent = owner.request("POST", path + "/resend", form: [("csrf_token", owner.csrfToken ?? "")])
        #expect(resent.status == .seeOther)
        #expect(resent.header("Location") == path + "?done=resent")
        #expect(try web.store.query("SELECT status FROM deliveries")[0].decode("status", as: String.self) == "pending")
        #expect(try web.store.query("SELECT status FROM executions")[0].decode("status", as: String.self) == "queued")
    }

    @Test func anAdminRequeuesADeadLetterThroughTheAPIAndACreatorMayNot() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        try web.addUser("root@example.org", role: .admin)
        let fx = ExecutionFixtures(store: web.store)
        let run = try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "failed", at: Date(), deadLettered: true)
        let path = "/api/v1/executions/\(run.uuidString.lowercased())/requeue"
        let creator = try AccountService(connection: web.store).createToken(email: "ada@example.org", name: "ci", actor: "test").token
        #expect(web.respond("POST", path, headers: ["Authorization": "Bearer \(creator)"]).status == .forbidden)
        let admin = try AccountService(connection: web.store).createToken(email: "root@example.org", name: "ci", actor: "test").token
        let requeued = web.respond("POST", path, headers: ["Authorization": "Bearer \(admin)"])
        #expect(requeued.status.code == 202, "\(text(requeued))")
        #expect(text(requeued).contains(#""status":"queued""#))
    }

    @Test func oneRunShowsItsStepsDeliveriesErrorsAndFilesWithHostileTextsInert() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let evil = Self.hostile.joined(separator: " ")
        let schedule = try fx.schedule(owner: ada.id, name: evil, reportName: evil)
        let run = try fx.execution(schedule: schedule, status: "partial", at: Date(), error: evil,
                                   timings: #"{"query": 0.25, "render": 0.05, "deliver": 1.5}"#)
        let folder = try fx.destination(owner: ada.id, name: evil)
        try fx.delivery(execution: run, destination: folder, status: "dead", lastError: evil, detail: evil)
        try fx.delivery(execution: run, destination: try fx.destination(owner: ada.id, name: "Archive"), status: "succeeded", detail: "out/sales.csv")
        let file = try fx.artifact(execution: run, fileName: evil + ".csv")
        let browser = web.browser()
        browser.signIn("ada@example.org")
        for page in [browser.request("GET", "/executions/\(run.uuidString.lowercased())"), browser.request("GET", "/executions")] {
            #expect(page.status == .ok)
            let body = text(page)
            #expect(!body.contains("<script>alert"))
            #expect(!body.contains("<img src=x"))
            #expect(!body.contains("href=\"javascript:"))
            #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
        let body = text(browser.request("GET", "/executions/\(run.uuidString.lowercased())"))
        for step in ["query", "render", "deliver", "0.25 s", "1.50 s"] { #expect(body.contains(step), "\(step)") }
        #expect(body.contains("out/sales.csv"))
        #expect(body.contains("/artifacts/\(file.uuidString.lowercased())/download"))
        #expect(body.contains("badge-dead"))
        #expect(!body.contains("http-equiv=\"refresh\""))
        #expect(!body.contains("execution.js"))

        let api = browser.request("GET", "/api/v1/executions/\(run.uuidString.lowercased())")
        #expect(api.status == .ok)
        struct Detail: Decodable {
            struct Step: Decodable { let name: String; let seconds: Double }
            struct Delivery: Decodable { let status: String; let attempts: Int; let lastError: String? }
            struct Artifact: Decodable { let id: UUID; let fileName: String; let byteCount: Int }
            let status: String; let error: String?; let steps: [Step]; let deliveries: [Delivery]; let artifacts: [Artifact]
        }
        let detail = try Self.decode(Detail.self, api)
        #expect(detail.status == "partial")
        #expect(detail.steps.map(\.name) == ["query", "render", "deliver"])
        #expect(detail.deliveries.map(\.status) == ["dead", "succeeded"])
        #expect(detail.artifacts.map(\.id) == [file])
        #expect(!text(api).contains("storage_path"))
        #expect(!text(api).contains("artifacts/2026"))
    }

    @Test func aQueuedOrRunningRunRefreshesItselfUntilItEnds() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let run = try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "running", at: Date())
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let path = "/executions/\(run.uuidString.lowercased())"
        let live = text(browser.request("GET", path))
        #expect(live.contains(#"<meta http-equiv="refresh" content="5">"#))
        #expect(live.contains(#"<script src="/static/execution.js" defer></script>"#))
        #expect(live.contains(#"data-active="true""#))
        try web.store.execute("UPDATE executions SET status = 'succeeded', finished_at = now()")
        let done = text(browser.request("GET", path))
        #expect(!done.contains("http-equiv=\"refresh\""))
        #expect(done.contains(#"data-active="false""#))
        let staticScript = try String(contentsOfFile: WebHarness.templatesDirectory + "/../static/execution.js", encoding: .utf8)
        #expect(staticScript.contains("/api/v1/executions/"))
    }

    @Test func runNowFromTheServiceAppearsInTheList() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let principal = Principal(userID: ada.id, email: ada.email, displayName: "", role: .creator, timeZone: "UTC")
        let schedule = try ExecutionFixtures(store: web.store).schedule(owner: ada.id)
        let id = try ExecutionService(connection: web.store).runNow(scheduleID: schedule, actor: .user(principal))
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let page = text(browser.request("GET", "/executions"))
        #expect(page.contains("/executions/\(id.uuidString.lowercased())"))
        #expect(page.contains("Run now"))
    }
}

extension ExecutionPagesTests {
    @Test func badFiltersAreShownBesideTheirFieldsWithTheValuesKept() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .creator)
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let page = browser.request("GET", "/executions", query: "from=yesterday&to=2026-01-01&status=%3Cscript%3E")
        #expect(page.status == .unprocessableContent)
        let body = text(page)
        #expect(body.contains("<title>Error: Runs · Herald</title>"))
        #expect(body.contains("There is a problem"))
        #expect(body.contains(##"<a href="#filter-from">From must be a date"##))
        #expect(body.contains(##"<a href="#filter-status">Status must be one of"##))
        #expect(body.contains(#"id="filter-from" name="from" value="yesterday" aria-invalid="true" aria-describedby="filter-from-error""#))
        #expect(!body.contains("<script>"))
    }
}
