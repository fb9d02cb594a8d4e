import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// Pinning a run from its page and the API, and a schedule's own retention period through the API.
struct RetentionWebTests {
    struct Pinned: Decodable { let id: UUID; let pinned: Bool }

    @Test func theOwnerPinsAndUnpinsARunAndAViewerMayNot() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let vic = try web.addUser("vic@example.org", role: .viewer)
        let fx = ExecutionFixtures(store: web.store)
        let schedule = try fx.schedule(owner: ada.id)
        try web.store.execute("INSERT INTO schedule_shares (schedule_id, user_id) VALUES (\(schedule), \(vic.id))")
        let run = try fx.execution(schedule: schedule, status: "succeeded", at: Date())
        let path = "/executions/\(run.uuidString.lowercased())"
        func pinned() throws -> Bool { try web.store.query("SELECT pinned FROM executions WHERE id = \(run)")[0].decode("pinned") }

        let viewer = web.browser()
        viewer.signIn("vic@example.org")
        #expect(!text(viewer.request("GET", path)).contains("\(path)/pin"))
        #expect(viewer.request("POST", path + "/pin", form: [("csrf_token", viewer.csrfToken ?? "")]).status == .forbidden)
        #expect(try !pinned())

        let owner = web.browser()
        owner.signIn("ada@example.org")
        let page = text(owner.request("GET", path))
        #expect(page.contains(#"action="\#(path)/pin""#))
        // Without the CSRF token the form does nothing.
        #expect(owner.request("POST", path + "/pin", form: []).status == .forbidden)
        #expect(try !pinned())
        let done = owner.request("POST", path + "/pin", form: [("csrf_token", owner.csrfToken ?? "")])
        #expect(done.status == .seeOther)
        #expect(done.header("Location") == path + "?done=pinned")
        #expect(try pinned())
        #expect(text(owner.request("GET", path)).contains(#"action="\#(path)/unpin""#))

        let token = try AccountService(connection: web.store).createToken(email: "ada@example.org", name: "ci", actor: "test").token
        let unpinned = web.respond("POST", "/api/v1" + path + "/unpin", headers: ["Authorization": "Bearer \(token)"])
        #expect(unpinned.status == .ok)
        #expect(try ExecutionPagesTests.decode(Pinned.self, unpinned).pinned == false)
        #expect(try !pinned())
        let again = web.respond("POST", "/api/v1" + path + "/pin", headers: ["Authorization": "Bearer \(token)"])
        #expect(try ExecutionPagesTests.decode(Pinned.self, again).pinned)
        let shown = web.respond("GET", "/api/v1" + path, headers: ["Authorization": "Bearer \(token)"])
        #expect(try ExecutionPagesTests.decode(Pinned.self, shown).pinned)

        let viewerToken = try AccountService(connection: web.store).createToken(email: "vic@example.org", name: "ci", actor: "test").token
        #expect(web.respond("POST", "/api/v1" + path + "/unpin", headers: ["Authorization": "Bearer \(viewerToken)"]).status == .forbidden)
        #expect(web.respond("POST", "/api/v1/executions/\(UUID().uuidString.lowercased())/pin",
                            headers: ["Authorization": "Bearer \(token)"]).status == .notFound)
        #expect(try pinned())
    }

    @Test func aSchedulesRetentionDaysAreSetThroughTheAPIAndValidated() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule().id
        let token = try f.token("ada@example.org")
        let path = "/api/v1/schedules/\(schedule.uuidString.lowercased())"
        func stored() throws -> Int? {
            try f.web.store.query("SELECT retention_days FROM schedules WHERE id = \(schedule)")[0].decode("retention_days", as: Int?.self)
        }
        struct Shown: Decodable { let retentionDays: Int? }

        #expect(text(f.api("GET", path, token: token)).contains(#""retention_days":null"#))
        let set = f.api("PATCH", path, token: token, json: #"{"retention_days": 30}"#)
        #expect(set.status == .ok)
        #expect(try ExecutionPagesTests.decode(Shown.self, set).retentionDays == 30)
        #expect(try stored() == 30)
        // An unrelated change keeps it.
        #expect(f.api("PATCH", path, token: token, json: #"{"priority": 7}"#).status == .ok)
        #expect(try stored() == 30)
        for bad in ["0", "3651", "-5"] {
            let refused = f.api("PATCH", path, token: token, json: #"{"retention_days": \#(bad)}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(text(refused).contains("retention_days"))
        }
        #expect(try stored() == 30)
        let cleared = f.api("PATCH", path, token: token, json: #"{"retention_days": null}"#)
        #expect(cleared.status == .ok)
        #expect(try stored() == nil)
        let created = f.api("POST", "/api/v1/schedules", token: token,
                            json: String(f.body(name: "Kept long").dropLast()) + #", "retention_days": 3650}"#)
        #expect(created.status == .created)
        #expect(try ExecutionPagesTests.decode(Shown.self, created).retentionDays == 3650)

        let owner = f.web.browser()
        owner.signIn("ada@example.org")
        #expect(text(owner.request("GET", "/schedules/\(schedule.uuidString.lowercased())")).contains("Runs kept"))
    }
}
