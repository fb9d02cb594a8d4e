import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

/// Conditional delivery in the API and in the wizard's step 4.
struct ScheduleDeliveryConditionWebTests {
    @Test func theAPIReadsAndWritesTheDeliveryCondition() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        let created = f.api("POST", "/api/v1/schedules", token: token, json: f.body())
        #expect(created.status == .created, "\(text(created))")
        #expect((jsonObject(created)["delivery_condition"] as? [String: Any])?["mode"] as? String == "always")
        let id = try #require(jsonObject(created)["id"] as? String)

        let patched = f.api("PATCH", "/api/v1/schedules/\(id)", token: token, json: """
            {"delivery_condition": {"mode": "if_condition", "measure": "sum", "column": "amount", "operator": ">", "threshold": 5000}}
            """)
        #expect(patched.status == .ok, "\(text(patched))")
        let condition = try #require(jsonObject(patched)["delivery_condition"] as? [String: Any])
        #expect(condition["mode"] as? String == "if_condition" && condition["measure"] as? String == "sum")
        #expect(condition["column"] as? String == "amount" && condition["operator"] as? String == ">" && condition["threshold"] as? String == "5000")
        // A PATCH of another field keeps it; a PUT without it goes back to always.
        let renamed = f.api("PATCH", "/api/v1/schedules/\(id)", token: token, json: #"{"name": "Evening"}"#)
        #expect((jsonObject(renamed)["delivery_condition"] as? [String: Any])?["mode"] as? String == "if_condition")
        let replaced = f.api("PUT", "/api/v1/schedules/\(id)", token: token, json: f.body())
        #expect((jsonObject(replaced)["delivery_condition"] as? [String: Any])?["mode"] as? String == "always")

        let refused = f.api("PATCH", "/api/v1/schedules/\(id)", token: token, json: """
            {"delivery_condition": {"mode": "if_condition", "measure": "any_row", "operator": "<", "threshold": "open"}}
            """)
        #expect(refused.status == .unprocessableContent)
        #expect(refused.header("Content-Type") == "application/problem+json")
        let fields = ((jsonObject(refused)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
        #expect(fields == ["delivery_condition.column", "delivery_condition.threshold"])
    }

    @Test func theOpenAPIDocumentDescribesTheDeliveryCondition() throws {
        let document = try #require(JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json())) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let condition = try #require((schemas["DeliveryCondition"] as? [String: Any])?["properties"] as? [String: Any])
        #expect((condition["mode"] as? [String: Any])?["enum"] as? [String] == ["always", "if_rows", "if_changed", "if_condition"])
        #expect((condition["operator"] as? [String: Any])?["enum"] as? [String] == ["<", "<=", "=", "!=", ">=", ">"])
        #expect((condition["measure"] as? [String: Any])?["enum"] as? [String] == ["row_count", "first_row", "any_row", "sum"])
        let input = try #require((schemas["ScheduleInput"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(input["delivery_condition"] != nil)
    }

    @Test func stepFourShowsTheConditionsErrorsBesideTheFieldsAndTheReviewSaysItInWords() async throws {
        let f = try await ScheduleWebFixture()
        let b = f.web.browser()
        b.signIn("ada@example.org")
        b.request("GET", "/schedules/new")
        let first = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("report_id", f.report.uuidString)])
        let base = try #require(first.header("Location")?.replacingOccurrences(of: "/frequency", with: ""))
        b.request("GET", base + "/frequency")
        b.request("POST", base + "/frequency", form: [("csrf_token", b.csrfToken ?? ""), ("kind", "daily"), ("time", "07:00"),
                                                     ("time_zone", "Europe/Berlin"), ("misfire_policy", "run_once"),
                                                     ("overlap_policy", "skip"), ("jitter_seconds", "0")])
        let page = text(b.request("GET", base + "/distribution"))
        #expect(page.contains(#"id="deliver-always" name="delivery_mode" value="always" checked"#))
        #expect(page.contains(#"id="delivery_threshold""#) && page.contains(#"id="delivery_measure""#))
        // Without JavaScript every field is there; the script only hides the condition's fields for the other modes.
        #expect(page.contains(#"<script src="/static/wizard-deliver.js" defer></script>"#) && page.contains(#"data-delivery-mode="if_condition""#))
        let script = try String(contentsOfFile: WebHarness.templatesDirectory + "/../static/wizard-deliver.js", encoding: .utf8)
        #expect(script.contains("data-delivery-mode") && !script.contains("innerHTML") && !script.contains("eval("))

        func distribution(_ condition: [(String, String)]) -> HTTPResponse {
            b.request("POST", base + "/distribution", form: [("csrf_token", b.csrfToken ?? ""), ("destination_ids", f.folder.uuidString),
                                                             ("formats", "csv"), ("filename_pattern", "sales.csv"), ("naming", "overwrite")] + condition)
        }
        let bad = distribution([("delivery_mode", "if_condition"), ("delivery_measure", "sum"), ("delivery_column", ""),
                                ("delivery_operator", ">"), ("delivery_threshold", "lots")])
        #expect(bad.status == .unprocessableContent)
        let html = text(bad)
        #expect(html.contains("<title>Error: "))
        #expect(html.contains(#"id="delivery_column-error">Error: enter the name of a column of the result"#))
        #expect(html.contains(#"id="delivery_threshold-error">Error: must be a number, such as 5000 or -1.5"#))
        #expect(html.contains(##"href="#delivery_column""##) && html.contains(##"href="#delivery_threshold""##))
        #expect(html.contains("Value must be a number"))
        #expect(html.contains(#"value="lots""#) && html.contains(#"value="if_condition" checked"#) && html.contains(#"value="sum" selected"#))

        let good = distribution([("delivery_mode", "if_condition"), ("delivery_measure", "sum"), ("delivery_column", "amount"),
                                 ("delivery_operator", ">"), ("delivery_threshold", "5000")])
        #expect(good.header("Location") == base + "/review", "\(text(good))")
        let review = text(b.request("GET", base + "/review"))
        #expect(review.contains("Only if the total of amount &gt; 5,000"))
        let done = b.request("POST", base + "/review", form: [("csrf_token", b.csrfToken ?? ""), ("action", "activate")])
        let location = try #require(done.header("Location"))
        let schedule = try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            .list(actor: .commandLine).items
        #expect(schedule.first?.deliveryCondition == DeliveryCondition(measure: .sum, column: "amount", .greater, "5000"))
        let show = text(b.request("GET", String(location.prefix { $0 != "?" })))
        #expect(show.contains("<dt>Deliver</dt><dd>Only if the total of amount &gt; 5,000</dd>"))
    }
}
