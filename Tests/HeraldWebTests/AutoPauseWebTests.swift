import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// `pause_after_failures` through the API (set, kept, validated, cleared), and a schedule that paused itself as the
/// API and its page show it.
struct AutoPauseWebTests {
    struct Shown: Decodable { let pauseAfterFailures: Int?; let paused: Bool; let pauseNote: String }

    @Test func pauseAfterFailuresIsSetThroughTheAPIAndValidated() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule().id
        let token = try f.token("ada@example.org")
        let path = "/api/v1/schedules/\(schedule.uuidString.lowercased())"
        func stored() throws -> Int? {
            try f.web.store.query("SELECT pause_after_failures FROM schedules WHERE id = \(schedule)")[0].decode("pause_after_failures", as: Int?.self)
        }

        // Off by default.
        #expect(text(f.api("GET", path, token: token)).contains(#""pause_after_failures":null"#))
        #expect(try stored() == nil)
        let set = f.api("PATCH", path, token: token, json: #"{"pause_after_failures": 3}"#)
        #expect(set.status == .ok)
        #expect(try ExecutionPagesTests.decode(Shown.self, set).pauseAfterFailures == 3)
        #expect(try stored() == 3)
        #expect(f.api("PATCH", path, token: token, json: #"{"priority": 7}"#).status == .ok)
        #expect(try stored() == 3)
        for bad in ["0", "101", "-1"] {
            let refused = f.api("PATCH", path, token: token, json: #"{"pause_after_failures": \#(bad)}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(text(refused).contains("pause_after_failures"))
        }
        #expect(try stored() == 3)
        #expect(f.api("PATCH", path, token: token, json: #"{"pause_after_failures": null}"#).status == .ok)
        #expect(try stored() == nil)
        let created = f.api("POST", "/api/v1/schedules", token: token,
                            json: String(f.body(name: "Careful").dropLast()) + #", "pause_after_failures": 100}"#)
        #expect(created.status == .created)
        #expect(try ExecutionPagesTests.decode(Shown.self, created).pauseAfterFailures == 100)
        let replaced = f.api("PUT", path, token: token, json: String(f.body(name: "Morning").dropLast()) + #", "pause_after_failures": 1}"#)
        #expect(replaced.status == .ok)
        #expect(try stored() == 1)
    }

    @Test func deadlineMinutesIsSetThroughTheAPIAndValidated() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule().id
        let token = try f.token("ada@example.org")
        let path = "/api/v1/schedules/\(schedule.uuidString.lowercased())"
        #expect(text(f.api("GET", path, token: token)).contains(#""deadline_minutes":null"#))
        let set = f.api("PATCH", path, token: token, json: #"{"deadline_minutes": 90}"#)
        #expect(set.status == .ok)
        #expect(text(set).contains(#""deadline_minutes":90"#))
        for bad in ["0", "10081"] {
            let refused = f.api("PATCH", path, token: token, json: #"{"deadline_minutes": \#(bad)}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(text(refused).contains("deadline_minutes"))
        }
        let owner = f.web.browser()
        owner.signIn("ada@example.org")
        #expect(text(owner.request("GET", "/schedules/\(schedule.uuidString.lowercased())")).contains("90 minutes after its slot"))
    }

    @Test func aScheduleThatPausedItselfShowsWhyInTheAPIAndOnItsPage() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule().id
        let token = try f.token("ada@example.org")
        let path = "/api/v1/schedules/\(schedule.uuidString.lowercased())"
        #expect(f.api("PATCH", path, token: token, json: #"{"pause_after_failures": 2}"#).status == .ok)
        let fx = ExecutionFixtures(store: f.web.store)
        _ = try fx.execution(schedule: schedule, status: "failed", at: Date().addingTimeInterval(-60), error: "relation \"sales\" does not exist")
        let last = try fx.execution(schedule: schedule, status: "failed", at: Date(), error: "division by zero <b>")
        #expect(try ScheduleAutoPause(connection: f.web.store).afterFailedRun(last) != nil)

        let shown = try ExecutionPagesTests.decode(Shown.self, f.api("GET", path, token: token))
        #expect(shown.paused)
        #expect(shown.pauseNote == "Paused automatically after 2 consecutive failed runs (last: division by zero <b>)")
        let owner = f.web.browser()
        owner.signIn("ada@example.org")
        let page = text(owner.request("GET", "/schedules/\(schedule.uuidString.lowercased())"))
        #expect(page.contains("Paused automatically after 2 consecutive failed runs (last: division by zero &lt;b&gt;)"), "\(page)")
        #expect(page.contains("after 2 failed runs in a row"))
        let notifications = text(owner.request("GET", "/notifications"))
        #expect(notifications.contains("Schedule paused itself"))
    }
}
