import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

/// The backfill form on the schedule page and `POST /api/v1/schedules/{id}/backfill`: both call
/// `ScheduleService.backfill`, so these check the HTTP side (statuses, problem+json, errors beside the fields).
struct ScheduleBackfillWebTests {
    /// Ten days well in the past (the schedule is daily at 07:00, Europe/Berlin).
    static let days = (from: "2026-01-01", to: "2026-01-10")

    @Test func theAPIQueuesTheSlotsWith202AndAnswersBadInputWithFieldErrors() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule()
        let token = try f.token("ada@example.org")
        let path = "/api/v1/schedules/\(schedule.id.uuidString.lowercased())/backfill"
        let queued = f.api("POST", path, token: token, json: #"{"from": "\#(Self.days.from)", "to": "\#(Self.days.to)", "rerun": false}"#)
        #expect(queued.status.code == 202, "\(text(queued))")
        let body = jsonObject(queued)
        #expect(body["created"] as? Int == 10 && body["skipped"] as? Int == 0)
        #expect((body["execution_ids"] as? [String])?.count == 10)
        let again = jsonObject(f.api("POST", path, token: token, json: #"{"from": "\#(Self.days.from)", "to": "\#(Self.days.to)"}"#))
        #expect(again["created"] as? Int == 0 && again["skipped"] as? Int == 10)

        let bad = f.api("POST", path, token: token, json: #"{"from": "2026-01-10", "to": "2025-12-01"}"#)
        #expect(bad.status == .unprocessableContent)
        #expect(bad.header("Content-Type") == "application/problem+json")
        #expect(((jsonObject(bad)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } == ["to"])
        let missing = f.api("POST", path, token: token, json: "{}")
        #expect(((jsonObject(missing)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } == ["from", "to"])
        #expect(f.api("POST", path, token: try f.token("bob@example.org"), json: #"{"from": "2026-01-01", "to": "2026-01-02"}"#).status == .notFound)
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM executions")[0].decode("n", as: Int.self) == 10)
    }

    @Test func thePageFormShowsErrorsBesideItsFieldsAndRedirectsToTheHistoryWithTheCount() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule()
        let b = f.web.browser()
        b.signIn("ada@example.org")
        let path = "/schedules/\(schedule.id.uuidString.lowercased())"
        let page = text(b.request("GET", path))
        #expect(page.contains("action=\"\(path)/backfill\""))

        let refused = b.request("POST", path + "/backfill", form: [("csrf_token", b.csrfToken ?? ""), ("from", "2026-01-10"), ("to", "not a day")])
        #expect(refused.status == .unprocessableContent)
        let shown = text(refused)
        #expect(shown.contains("id=\"backfill-to-error\""))
        #expect(!shown.contains("id=\"backfill-from-error\""))
        #expect(shown.contains("href=\"#backfill-to\""))
        #expect(shown.contains("value=\"2026-01-10\""), "the entered day is shown again")

        let sent = b.request("POST", path + "/backfill", form: [("csrf_token", b.csrfToken ?? ""), ("from", Self.days.from), ("to", Self.days.to),
                                                                ("rerun", "1")])
        #expect(sent.status == .seeOther, "\(text(sent))")
        let location = sent.header("Location") ?? ""
        #expect(location.hasPrefix(path + "?done=backfilled&created=10&skipped=0"))
        let after = text(b.request("GET", path, query: "done=backfilled&created=10&skipped=0"))
        #expect(after.contains("10 backfill runs were queued"))
        #expect(after.contains("<td>backfill</td>"))

        // Without the CSRF token nothing is queued; a viewer the schedule is shared with sees no form.
        #expect(b.request("POST", path + "/backfill", form: [("from", "2026-02-01"), ("to", "2026-02-02")]).status.code == 403)
        try f.web.store.execute("INSERT INTO schedule_shares (schedule_id, user_id) VALUES (\(schedule.id), \(f.vic.id))")
        let viewer = f.web.browser()
        viewer.signIn("vic@example.org")
        #expect(!text(viewer.request("GET", path)).contains("/backfill\""))
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM executions")[0].decode("n", as: Int.self) == 10)
    }
}
