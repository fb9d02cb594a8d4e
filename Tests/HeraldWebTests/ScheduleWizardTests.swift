import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

struct ScheduleWizardTests {
    static func draftPath(_ response: HTTPResponse) -> String? {
        guard let location = response.header("Location"), location.hasPrefix("/schedules/new/") else { return nil }
        return String(location.split(separator: "/").prefix(3).joined(separator: "/")).replacingOccurrences(of: "schedules/new/", with: "/schedules/new/")
    }

    func count(_ f: ScheduleWebFixture) throws -> Int {
        try f.web.store.query("SELECT count(*)::int AS n FROM schedules")[0].decode("n", as: Int.self)
    }

    func frequency(_ b: WebHarness.Browser, time: String, extra: [(String, String)] = []) -> [(String, String)] {
        [("csrf_token", b.csrfToken ?? ""), ("kind", "daily"), ("time", time), ("time_zone", "Europe/Berlin"),
         ("misfire_policy", "run_once"), ("overlap_policy", "skip"), ("jitter_seconds", "0")] + extra
    }

    @Test func walksAllFiveStepsGoingBackAndFindingValuesKept() async throws {
        let f = try await ScheduleWebFixture()
        let b = f.web.browser()
        b.signIn("ada@example.org")
        #expect(b.request("GET", "/schedules/new").status == .ok)
        #expect(b.lastPage.contains("Step 1 of 5") && b.lastPage.contains("Sales"))

        // Step 1 with nothing chosen: the error is beside the field.
        let missing = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("name", "Morning sales")])
        #expect(missing.status == .unprocessableContent)
        #expect(text(missing).contains("id=\"report_id-error\""))
        #expect(text(missing).contains("<title>Error: "))
        #expect(text(missing).contains("value=\"Morning sales\""))
        let retry = b.request("POST", try #require(b.lastPage.range(of: #"action="/schedules/new/[^"]+""#, options: .regularExpression)
            .map { String(b.lastPage[$0].dropFirst(8).dropLast()) }),
                              form: [("csrf_token", b.csrfToken ?? ""), ("report_id", f.report.uuidString), ("name", "Morning sales")])
        #expect(retry.status == .seeOther)
        let base = try #require(retry.header("Location")?.replacingOccurrences(of: "/frequency", with: ""))
        #expect(retry.header("Location") == base + "/frequency")

        // Step 2: a bad time is kept and explained; a good one moves on.
        b.request("GET", base + "/frequency")
        let badTime = b.request("POST", base + "/frequency", form: frequency(b, time: "25:00"))
        #expect(badTime.status == .unprocessableContent)
        #expect(text(badTime).contains("id=\"time-error\""))
        #expect(text(badTime).contains("value=\"25:00\""))
        let preview = b.request("POST", base + "/frequency", form: frequency(b, time: "07:30", extra: [("action", "preview")]))
        #expect(preview.status == .ok)
        #expect(text(preview).contains("Every day at 07:30, Europe/Berlin"))
        #expect(text(preview).contains("07:30 +01:00") || text(preview).contains("07:30 +02:00"))
        #expect(b.request("POST", base + "/frequency", form: frequency(b, time: "07:30")).header("Location") == base + "/parameters")

        // Back to step 1 and 2: the values are still there.
        #expect(text(b.request("GET", base + "/report")).contains("value=\"Morning sales\""))
        #expect(b.lastPage.contains("value=\"\(f.report.uuidString.lowercased())\" checked"))
        let back = text(b.request("GET", base + "/frequency"))
        #expect(back.contains("value=\"07:30\"") && back.contains("value=\"Europe/Berlin\""))
        #expect(back.contains("id=\"kind-daily\" name=\"kind\" value=\"daily\" checked"))
        // The script that shows only the chosen kind's fields, and the kinds each field belongs to.
        #expect(back.contains(#"<script src="/static/wizard-frequency.js" defer></script>"#))
        #expect(back.contains(#"id="field-cron" data-kinds="custom""#) && back.contains(#"id="field-at" data-kinds="once""#))
        let script = try String(contentsOfFile: WebHarness.templatesDirectory + "/../static/wizard-frequency.js", encoding: .utf8)
        #expect(script.contains("data-kinds") && !script.contains("eval(") && !script.contains("innerHTML"))

        // Step 3 and 4.
        b.request("GET", base + "/parameters")
        #expect(b.lastPage.contains("This report has no parameters."))
        #expect(b.request("POST", base + "/parameters", form: [("csrf_token", b.csrfToken ?? "")]).header("Location") == base + "/distribution")
        b.request("GET", base + "/distribution")
        #expect(!b.lastPage.contains("/tmp/bob"))
        let none = b.request("POST", base + "/distribution", form: [("csrf_token", b.csrfToken ?? ""), ("formats", "csv"),
                                                                    ("filename_pattern", "sales.csv"), ("naming", "overwrite")])
        #expect(none.status == .unprocessableContent)
        #expect(text(none).contains("id=\"destination_ids-error\""))
        let chosen = b.request("POST", base + "/distribution", form: [("csrf_token", b.csrfToken ?? ""), ("destination_ids", f.folder.uuidString),
                                                                      ("formats", "csv"), ("filename_pattern", "sales-{date}.csv"), ("naming", "timestamp")])
        #expect(chosen.header("Location") == base + "/review")
        #expect(try count(f) == 0)

        // Step 5 shows everything with Change links, and activating makes the schedule.
        let review = text(b.request("GET", base + "/review"))
        #expect(review.contains("Every day at 07:30, Europe/Berlin") && review.contains("sales-{date}.csv") && review.contains("/tmp/ada"))
        #expect(review.contains("href=\"\(base)/frequency\">Change"))
        let done = b.request("POST", base + "/review", form: [("csrf_token", b.csrfToken ?? ""), ("action", "activate")])
        #expect(done.status == .seeOther)
        let location = try #require(done.header("Location"))
        #expect(location.hasSuffix("?done=activated"))
        let schedule = try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            .list(actor: .commandLine).items
        #expect(schedule.map(\.name) == ["Morning sales"])
        #expect(schedule.first?.cron == "30 7 * * *" && schedule.first?.naming == "timestamp" && schedule.first?.paused == false)
        #expect(b.request("GET", base + "/review").status == .notFound)

        // Editing is the same wizard, filled in.
        let id = try #require(schedule.first?.id.uuidString.lowercased())
        b.request("GET", "/schedules/\(id)")
        let edit = b.request("POST", "/schedules/\(id)/edit", form: [("csrf_token", b.csrfToken ?? "")])
        let editBase = try #require(edit.header("Location")?.replacingOccurrences(of: "/report", with: ""))
        #expect(text(b.request("GET", editBase + "/frequency")).contains("value=\"07:30\""))
        b.request("POST", editBase + "/frequency", form: frequency(b, time: "08:15"))
        b.request("GET", editBase + "/review")
        let saved = b.request("POST", editBase + "/review", form: [("csrf_token", b.csrfToken ?? ""), ("action", "paused"), ("pause_note", "not yet")])
        #expect(saved.header("Location") == "/schedules/\(id)?done=saved-paused")
        let edited = try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9)).get(UUID(uuidString: id)!, actor: .commandLine)
        #expect(edited.cron == "15 8 * * *" && edited.paused && edited.pauseNote == "not yet")
        #expect(try count(f) == 1)
    }

    @Test func twoDraftsDoNotMixAndAreTheirOwnersAlone() async throws {
        let f = try await ScheduleWebFixture()
        let b = f.web.browser()
        b.signIn("ada@example.org")
        b.request("GET", "/schedules/new")
        let one = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("report_id", f.report.uuidString), ("name", "Tab one")])
        let two = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("report_id", f.report.uuidString), ("name", "Tab two")])
        let first = try #require(one.header("Location")?.replacingOccurrences(of: "/frequency", with: ""))
        let second = try #require(two.header("Location")?.replacingOccurrences(of: "/frequency", with: ""))
        #expect(first != second)
        #expect(text(b.request("GET", first + "/report")).contains("value=\"Tab one\""))
        #expect(!b.lastPage.contains("Tab two"))
        #expect(text(b.request("GET", second + "/report")).contains("value=\"Tab two\""))

        let bob = f.web.browser()
        bob.signIn("bob@example.org")
        #expect(bob.request("GET", first + "/report").status == .notFound)
        bob.request("GET", "/schedules/new")
        #expect(bob.request("POST", first + "/review", form: [("csrf_token", bob.csrfToken ?? ""), ("action", "activate")]).status == .notFound)
        #expect(!text(bob.request("GET", "/schedules/new")).contains("Sales"))

        let viewer = f.web.browser()
        viewer.signIn("vic@example.org")
        #expect(viewer.request("GET", "/schedules/new").status == .forbidden)
        #expect(try count(f) == 0)
    }

    @Test func hostileStringsAreInertInEveryWizardStep() async throws {
        let hostile = ScheduleWebFixture.hostile.joined(separator: " ")
        let f = try await ScheduleWebFixture(reportName: hostile)
        try f.web.store.execute("UPDATE destinations SET name = \(hostile)")
        let b = f.web.browser()
        b.signIn("ada@example.org")
        SchedulePageTests.expectInert(text(b.request("GET", "/schedules/new")))
        let made = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("report_id", f.report.uuidString), ("name", hostile)])
        let base = try #require(made.header("Location")?.replacingOccurrences(of: "/frequency", with: ""))
        b.request("GET", base + "/frequency")
        let bad = b.request("POST", base + "/frequency", form: frequency(b, time: hostile, extra: [("cron", hostile), ("time_zone", hostile)]))
        SchedulePageTests.expectInert(text(bad))
        for step in WizardStep.allCases { SchedulePageTests.expectInert(text(b.request("GET", base + "/\(step.rawValue)"))) }
    }
}
