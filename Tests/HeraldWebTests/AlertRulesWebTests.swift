import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

/// The owner-alert rules on the web (issue 12): the user's own on `/account` and `GET/PATCH /api/v1/me`, a
/// schedule's overrides in its API and its wizard's "Alerts and upkeep" section (with pause, deadline and retention),
/// the effective rule in words on the schedule page; bad values are a 422 beside the field or a problem naming it.
struct AlertRulesWebTests {
    static func schemaChecked(_ response: HTTPResponse, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json())) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let value = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], sourceLocation: sourceLocation)
        let problems = SchemaCheck(schemas: schemas).problems(value, ["$ref": "#/components/schemas/\(name)"], at: "response")
        #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
        return value
    }

    static func fields(_ response: HTTPResponse) -> [String] {
        ((jsonObject(response)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }.sorted()
    }

    static func rule(_ object: [String: Any]) -> String? { (object["alert_rule"] as? [String: Any])?["description"] as? String }

    @Test func theAccountFormSetsTheUsersOwnRuleAndRefusesABadNumberBesideItsField() async throws {
        let f = try await ScheduleWebFixture()
        let b = f.web.browser()
        b.signIn("ada@example.org")
        b.request("GET", "/account")
        #expect(b.lastPage.contains("Alerts about your schedules"))
        #expect(b.lastPage.contains("Now: Email and in-app on the first failure, then every 5th; on recovery."))
        #expect(b.lastPage.contains(#"id="alert_email" name="alert_email" value="on" checked"#))

        #expect(b.request("POST", "/account/alerts", form: [("csrf_token", "nope"), ("alert_failures", "first")]).status == .forbidden)

        let bad = b.request("POST", "/account/alerts", form: [("csrf_token", b.csrfToken ?? ""), ("alert_in_app", "on"),
                                                             ("alert_failures", "every"), ("alert_every", "5000"), ("alert_recovery", "on")])
        #expect(bad.status == .unprocessableContent)
        #expect(text(bad).contains("<title>Error: "))
        #expect(text(bad).contains(#"id="alert_every-error""#) && text(bad).contains("must be from 1 to 1000 failures"))
        #expect(text(bad).contains(#"value="5000""#), "what was typed is kept")
        #expect(try UserService(connection: f.web.store).ownAlertSettings(actor: .user(try #require(
            try UserRepository(connection: f.web.store).principal(userID: f.ada.id)))) == AlertSettings(), "nothing stored")

        let saved = b.request("POST", "/account/alerts", form: [("csrf_token", b.csrfToken ?? ""), ("alert_in_app", "on"),
                                                               ("alert_failures", "first"), ("alert_every", ""), ("alert_recovery", "on")])
        #expect(saved.header("Location") == "/account?done=alerts")
        b.request("GET", "/account", query: "done=alerts")
        #expect(b.lastPage.contains("Your alert settings were saved."))
        #expect(b.lastPage.contains("Now: In-app only on the first failure; on recovery."))
        #expect(b.lastPage.contains(#"id="alert_email" name="alert_email" value="on">"#))
        let me = try Self.schemaChecked(b.request("GET", "/api/v1/me"), "Me")
        #expect(me["alert_email"] as? Bool == false && me["alert_failures"] as? String == "first" && me["alert_every"] is NSNull)
        #expect(Self.rule(me) == "In-app only on the first failure; on recovery")
        let audit = try f.web.store.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.alert_rules'")[0].decode("n", as: Int.self)
        #expect(audit == 1)
    }

    @Test func patchMeChangesOnlyTheGivenFieldsAndAnswersBadOnesWithAProblem() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        let changed = f.api("PATCH", "/api/v1/me", token: token, json: #"{"alert_failures": "every", "alert_every": 3, "alert_recovery": false}"#)
        #expect(changed.status == .ok, "\(text(changed))")
        let me = try Self.schemaChecked(changed, "Me")
        #expect(me["alert_every"] as? Int == 3 && me["alert_email"] is NSNull && me["weekly_summary"] as? Bool == true)
        #expect(Self.rule(me) == "Email and in-app on the first failure, then every 3rd; not on recovery")

        let bad = f.api("PATCH", "/api/v1/me", token: token, json: #"{"alert_failures": "sometimes", "alert_every": 0}"#)
        #expect(bad.status == .unprocessableContent)
        #expect(bad.header("Content-Type") == "application/problem+json")
        #expect(Self.fields(bad) == ["alert_every", "alert_failures"])
        let typed = f.api("PATCH", "/api/v1/me", token: token, json: #"{"alert_email": "yes"}"#)
        #expect(typed.status == .unprocessableContent)
        #expect(Self.fields(typed) == ["alert_email"])
        let unchanged = try Self.schemaChecked(f.api("GET", "/api/v1/me", token: token), "Me")
        #expect(unchanged["alert_every"] as? Int == 3 && unchanged["alert_recovery"] as? Bool == false, "nothing half-written")

        // null goes back to the standard rule; the weekly summary changes in the same call.
        let reset = try Self.schemaChecked(f.api("PATCH", "/api/v1/me", token: token,
                                                 json: #"{"alert_every": null, "alert_recovery": null, "weekly_summary": false}"#), "Me")
        #expect(reset["alert_every"] is NSNull && reset["weekly_summary"] as? Bool == false)
        #expect(Self.rule(reset) == "Email and in-app on the first failure, then every 5th; on recovery")
        #expect(f.web.respond("PATCH", "/api/v1/me", headers: ["Content-Type": "application/json"], body: "{}").status == .unauthorized)
    }

    @Test func theScheduleAPIStoresOverridesAndReadsBackTheEffectiveRule() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        _ = f.api("PATCH", "/api/v1/me", token: token, json: #"{"alert_failures": "first"}"#)
        let plain = try Self.schemaChecked(f.api("POST", "/api/v1/schedules", token: token, json: f.body(name: "Plain")), "Schedule")
        #expect(Self.rule(plain) == "Email and in-app on the first failure; on recovery")
        #expect((plain["alert_rule"] as? [String: Any])?["from_owner"] as? Bool == true)

        var body = try #require(try JSONSerialization.jsonObject(with: Data(f.body(name: "Own").utf8)) as? [String: Any])
        body["alert_email"] = false
        body["alert_failures"] = "every"
        body["alert_every"] = 2
        let created = f.api("POST", "/api/v1/schedules", token: token,
                            json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
        #expect(created.status == .created, "\(text(created))")
        let own = try Self.schemaChecked(created, "Schedule")
        #expect(own["alert_email"] as? Bool == false && own["alert_in_app"] is NSNull && own["alert_every"] as? Int == 2)
        #expect(Self.rule(own) == "In-app only on the first failure, then every 2nd; on recovery")
        #expect((own["alert_rule"] as? [String: Any])?["from_owner"] as? Bool == false)
        let id = try #require(own["id"] as? String)

        let bad = f.api("PATCH", "/api/v1/schedules/\(id)", token: token, json: #"{"alert_every": 1001, "alert_failures": "never", "pause_after_failures": 0}"#)
        #expect(bad.status == .unprocessableContent)
        #expect(Self.fields(bad) == ["alert_every", "alert_failures", "pause_after_failures"])
        let back = try Self.schemaChecked(f.api("PATCH", "/api/v1/schedules/\(id)", token: token,
                                                json: #"{"alert_email": null, "alert_failures": null, "alert_every": null}"#), "Schedule")
        #expect((back["alert_rule"] as? [String: Any])?["from_owner"] as? Bool == true)
        #expect(Self.rule(back) == "Email and in-app on the first failure; on recovery")
    }

    @Test func theWizardsAlertsAndUpkeepSectionShowsErrorsBesideEachFieldAndTheScheduleSaysTheRule() async throws {
        let f = try await ScheduleWebFixture()
        let b = f.web.browser()
        b.signIn("ada@example.org")
        b.request("GET", "/schedules/new")
        let started = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("report_id", f.report.uuidString), ("name", "Alerted")])
        let base = try #require(started.header("Location")?.replacingOccurrences(of: "/frequency", with: ""))
        b.request("GET", base + "/frequency")
        b.request("POST", base + "/frequency", form: [("csrf_token", b.csrfToken ?? ""), ("kind", "daily"), ("time", "07:00"), ("time_zone", "UTC"),
                                                      ("misfire_policy", "run_once"), ("overlap_policy", "skip"), ("jitter_seconds", "0")])
        b.request("POST", base + "/parameters", form: [("csrf_token", b.csrfToken ?? "")])
        let step = text(b.request("GET", base + "/distribution"))
        #expect(step.contains("Alerts and upkeep (optional)"))
        #expect(step.contains("The owner&#39;s setting (on)") || step.contains("The owner's setting (on)"), "\(step)")
        #expect(step.contains(#"<option value="" selected>The owner"#))
        func distribution(_ extra: [(String, String)]) -> [(String, String)] {
            [("csrf_token", b.csrfToken ?? ""), ("destination_ids", f.folder.uuidString), ("formats", "csv"),
             ("filename_pattern", "a.csv"), ("naming", "overwrite")] + extra
        }
        let bad = b.request("POST", base + "/distribution", form: distribution([
            ("alert_failures", "every"), ("alert_every", "many"), ("pause_after_failures", "500"), ("deadline_minutes", "0"), ("retention_days", "99999"),
        ]))
        #expect(bad.status == .unprocessableContent)
        let page = text(bad)
        for field in ["alert_every", "pause_after_failures", "deadline_minutes", "retention_days"] {
            #expect(page.contains(#"id="\#(field)-error""#), "\(field)")
            #expect(page.contains("href=\"#\(field)\""), "the summary links to \(field)")
        }
        #expect(page.contains(#"<details class="alerts-upkeep" open>"#))
        #expect(page.contains(#"value="500""#) && page.contains(#"value="99999""#), "numbers as typed are kept")
        #expect(page.contains(#"<option value="every" selected>"#))

        let good = b.request("POST", base + "/distribution", form: distribution([
            ("alert_email", "off"), ("alert_failures", "first"), ("alert_every", ""), ("alert_recovery", ""),
            ("pause_after_failures", "3"), ("deadline_minutes", "30"), ("retention_days", "10"),
        ]))
        #expect(good.header("Location") == base + "/review")
        let review = text(b.request("GET", base + "/review"))
        #expect(review.contains("In-app only on the first failure; on recovery (set for this schedule)"))
        #expect(review.contains("after 3 failed runs in a row") && review.contains("30 minutes after its slot") && review.contains("10 days after they finish"))
        let done = b.request("POST", base + "/review", form: [("csrf_token", b.csrfToken ?? ""), ("action", "activate")])
        let location = try #require(done.header("Location"))
        let schedule = try #require(try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            .list(actor: .commandLine).items.first)
        #expect(schedule.alerts == AlertSettings(email: false, failures: "first"))
        #expect(schedule.pauseAfterFailures == 3 && schedule.deadlineMinutes == 30 && schedule.retentionDays == 10)
        let shown = text(b.request("GET", String(location.split(separator: "?")[0])))
        #expect(shown.contains("In-app only on the first failure; on recovery (set for this schedule)"))

        // A schedule with no override says the owner's rule is its own.
        let plain = try f.createSchedule(name: "Plain")
        let plainPage = text(b.request("GET", "/schedules/\(plain.id.uuidString.lowercased())"))
        #expect(plainPage.contains("Email and in-app on the first failure, then every 5th; on recovery (the owner&#39;s default)")
                || plainPage.contains("Email and in-app on the first failure, then every 5th; on recovery (the owner's default)"))
    }
}
