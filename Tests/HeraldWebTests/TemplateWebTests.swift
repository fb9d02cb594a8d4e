import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

/// `/api/v1/templates`, `/templates` and wizard step 4's "Use a template", through the router.
struct TemplateWebTests {
    func email(_ f: ScheduleWebFixture, owner: UUID) throws -> UUID {
        try f.web.store.query("""
            INSERT INTO destinations (name, kind, settings, owner_id)
            VALUES ('Team mail', 'email', '{"to": ["team@example.org"], "subject": "Own"}', \(owner)) RETURNING id
            """)[0].decode("id")
    }

    func templateBody(_ f: ScheduleWebFixture, name: String = "Monthly", destinations: [UUID]) -> String {
        """
        {"name": \(ScheduleWebFixture.quoted(name)), "destination_ids": [\(destinations.map { "\"\($0.uuidString)\"" }.joined(separator: ","))],
         "formats": ["xlsx", "pdf"], "filename_pattern": "{report_name}-{date}.{format}", "naming": "timestamp",
         "email_subject": "Figures for {date}", "email_body_md": "**Hello**"}
        """
    }

    @Test func theAPICreatesReadsChangesAndDeletesATemplateAndOthersGetA404() async throws {
        let f = try await ScheduleWebFixture()
        let ada = try f.token("ada@example.org"), bob = try f.token("bob@example.org"), vic = try f.token("vic@example.org")
        let created = f.api("POST", "/api/v1/templates", token: ada, json: templateBody(f, destinations: [f.folder]))
        #expect(created.status == .created, "\(text(created))")
        let template = jsonObject(created)
        let id = try #require(template["id"] as? String)
        #expect(created.header("Location") == "/api/v1/templates/\(id.lowercased())")
        for key in ["id", "name", "destination_ids", "formats", "filename_pattern", "naming", "email_subject", "email_body_md",
                    "owner_id", "created_at", "updated_at"] {
            #expect(template.keys.contains(key), "missing \(key)")
        }
        #expect(template["formats"] as? [String] == ["xlsx", "pdf"] && template["email_subject"] as? String == "Figures for {date}")

        #expect(f.api("GET", "/api/v1/templates/\(id)", token: ada).status == .ok)
        #expect(((jsonObject(f.api("GET", "/api/v1/templates", token: ada))["items"] as? [[String: Any]]) ?? []).count == 1)
        let patched = f.api("PATCH", "/api/v1/templates/\(id)", token: ada, json: #"{"name": "Weekly"}"#)
        #expect(patched.status == .ok && jsonObject(patched)["name"] as? String == "Weekly")
        #expect(jsonObject(patched)["formats"] as? [String] == ["xlsx", "pdf"])
        let replaced = f.api("PUT", "/api/v1/templates/\(id)", token: ada, json: #"{"name": "Plain", "destination_ids": ["\#(f.folder.uuidString)"]}"#)
        #expect(replaced.status == .ok && jsonObject(replaced)["formats"] as? [String] == ["csv"] && jsonObject(replaced)["email_subject"] as? String == "")

        // Bob's guess of Ada's template is a 404, as problem+json; a viewer may not use templates at all.
        for (method, body) in [("GET", nil), ("PATCH", #"{"name": "Mine"}"#), ("PUT", #"{"name": "Mine"}"#), ("DELETE", nil)] as [(String, String?)] {
            let response = f.api(method, "/api/v1/templates/\(id)", token: bob, json: body)
            #expect(response.status == .notFound, "\(method)")
            #expect(response.header("Content-Type") == "application/problem+json")
        }
        #expect(f.api("GET", "/api/v1/templates", token: vic).status == .forbidden)
        #expect(f.api("DELETE", "/api/v1/templates/\(id)", token: ada).status == .noContent)
        #expect(f.api("GET", "/api/v1/templates/\(id)", token: ada).status == .notFound)
    }

    @Test func theAPIAnswers422BesideEachBadFieldAndRefusesAnotherUsersDestination() async throws {
        let f = try await ScheduleWebFixture()
        let ada = try f.token("ada@example.org")
        let bad = f.api("POST", "/api/v1/templates", token: ada, json: """
            {"name": "", "destination_ids": ["\(f.bobFolder.uuidString)"], "formats": ["docx"], "filename_pattern": "../x",
             "naming": "append", "email_subject": "Hi\\r\\nBcc: eve@example.org"}
            """)
        #expect(bad.status == .unprocessableContent)
        #expect(bad.header("Content-Type") == "application/problem+json")
        let errors = (jsonObject(bad)["errors"] as? [[String: Any]]) ?? []
        #expect(Set(errors.compactMap { $0["field"] as? String }) == ["name", "destination_ids", "formats", "filename_pattern", "naming", "email_subject"])
        #expect(errors.contains { $0["field"] as? String == "destination_ids" && $0["message"] as? String == "names a destination you may not use" })
        #expect(f.api("POST", "/api/v1/templates", token: ada, json: #"{"destination_ids": "x"}"#).status == .unprocessableContent)
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM distribution_templates")[0].decode("n", as: Int.self) == 0)
    }

    @Test func aSchedulePostWithATemplateIdCopiesItAndShowsTheMessageFields() async throws {
        let f = try await ScheduleWebFixture()
        let ada = try f.token("ada@example.org"), bob = try f.token("bob@example.org")
        let mail = try email(f, owner: f.ada.id)
        let template = jsonObject(f.api("POST", "/api/v1/templates", token: ada, json: templateBody(f, destinations: [f.folder, mail])))
        let templateID = try #require(template["id"] as? String)
        let created = f.api("POST", "/api/v1/schedules", token: ada, json: """
            {"name": "From template", "report_id": "\(f.report.uuidString)", "template_id": "\(templateID)", "naming": "overwrite",
             "recurrence": {"kind": "daily", "time_zone": "Europe/Berlin", "time": "07:00"}}
            """)
        #expect(created.status == .created, "\(text(created))")
        let schedule = jsonObject(created)
        #expect(Set((schedule["destination_ids"] as? [String] ?? []).map { $0.lowercased() }) == Set([f.folder, mail].map { $0.uuidString.lowercased() }))
        #expect(schedule["formats"] as? [String] == ["xlsx", "pdf"])
        #expect(schedule["naming"] as? String == "overwrite", "a field the body gives stays as given")
        #expect(schedule["email_subject"] as? String == "Figures for {date}" && schedule["email_body_md"] as? String == "**Hello**")
        #expect(schedule["template_id"] as? String == templateID)
        let id = try #require(schedule["id"] as? String)
        let patched = f.api("PATCH", "/api/v1/schedules/\(id)", token: ada, json: #"{"email_subject": "Edited"}"#)
        #expect(jsonObject(patched)["email_subject"] as? String == "Edited" && jsonObject(patched)["formats"] as? [String] == ["xlsx", "pdf"])

        // Bob may not copy Ada's template.
        let refused = f.api("POST", "/api/v1/schedules", token: bob, json: """
            {"report_id": "\(f.bobReport.uuidString)", "template_id": "\(templateID)", "destination_ids": ["\(f.bobFolder.uuidString)"],
             "recurrence": {"kind": "daily", "time_zone": "Europe/Berlin", "time": "07:00"}}
            """)
        #expect(refused.status == .unprocessableContent)
        #expect(((jsonObject(refused)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } == ["template_id"])
    }

    @Test func templatePagesShowHostileTextInertAndKeepOthersOut() async throws {
        let f = try await ScheduleWebFixture()
        try f.web.store.execute("UPDATE destinations SET name = \(ScheduleWebFixture.hostile[1]) WHERE id = \(f.folder)")
        let b = f.web.browser()
        b.signIn("ada@example.org")
        #expect(b.request("GET", "/templates").status == .ok)
        #expect(b.lastPage.contains(#"<a href="/templates" aria-current="page">Templates</a>"#), "the navigation links to the templates")
        #expect(b.lastPage.contains("No templates yet"))
        b.request("GET", "/templates/new")
        #expect(b.lastPage.contains("Email recipients are each email destination"))
        let refused = b.request("POST", "/templates", form: [("csrf_token", b.csrfToken ?? ""), ("name", ScheduleWebFixture.hostile[0]),
                                                             ("formats", "csv"), ("filename_pattern", "x.{format}"), ("naming", "overwrite"),
                                                             ("email_subject", ScheduleWebFixture.hostile[1] + "\r\nBcc: eve@example.org")])
        #expect(refused.status == .unprocessableContent)
        #expect(text(refused).contains("<title>Error: ") && text(refused).contains(#"id="destination_ids-error""#))
        #expect(text(refused).contains(#"id="email_subject-error""#))
        expectInert(text(refused))
        let made = b.request("POST", "/templates", form: [("csrf_token", b.csrfToken ?? ""), ("name", ScheduleWebFixture.hostile[0]),
                                                          ("destination_ids", f.folder.uuidString), ("formats", "csv"), ("formats", "pdf"),
                                                          ("filename_pattern", "x.{format}"), ("naming", "timestamp"),
                                                          ("email_subject", ScheduleWebFixture.hostile[1]), ("email_body_md", ScheduleWebFixture.hostile[0])])
        #expect(made.status == .seeOther && made.header("Location") == "/templates?done=created")
        let list = text(b.request("GET", "/templates"))
        #expect(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        expectInert(list)
        let id = try f.web.store.query("SELECT id FROM distribution_templates")[0].decode("id", as: UUID.self).uuidString.lowercased()
        let edit = text(b.request("GET", "/templates/\(id)"))
        #expect(edit.contains(#"value="timestamp" checked"#) && edit.contains(#"value="pdf" checked"#))
        expectInert(edit)
        expectInert(text(b.request("GET", "/templates/\(id)/delete")))

        let bob = f.web.browser()
        bob.signIn("bob@example.org")
        #expect(bob.request("GET", "/templates/\(id)").status == .notFound)
        #expect(!text(bob.request("GET", "/templates")).contains(id))
        bob.request("GET", "/templates")
        #expect(bob.request("POST", "/templates/\(id)/delete", form: [("csrf_token", bob.csrfToken ?? "")]).status == .notFound)

        #expect(b.request("POST", "/templates/\(id)/delete", form: [("csrf_token", b.csrfToken ?? "")]).header("Location") == "/templates?done=deleted")
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM distribution_templates")[0].decode("n", as: Int.self) == 0)
    }

    @Test func wizardStepFourCopiesAChosenTemplateIntoTheDraftAndTheScheduleKeepsIt() async throws {
        let f = try await ScheduleWebFixture()
        let mail = try email(f, owner: f.ada.id)
        let principal = try #require(try UserRepository(connection: f.web.store).principal(userID: f.ada.id))
        let template = try DistributionTemplateService(connection: f.web.store).create(
            DistributionTemplateInput(name: "Finance pack", destinationIDs: [f.folder, mail], formats: ["xlsx", "pdf"],
                                      filenamePattern: "{report_name}-{date}.{format}", naming: "timestamp",
                                      emailSubject: "Figures for {date}", emailBodyMd: "**Hello**"),
            actor: .user(principal))
        _ = try DistributionTemplateService(connection: f.web.store).create(
            DistributionTemplateInput(name: ScheduleWebFixture.hostile[0], destinationIDs: [f.folder], emailSubject: ScheduleWebFixture.hostile[1]),
            actor: .user(principal))
        let draft = ScheduleDraft(name: "Templated", reportID: f.report, recurrence: Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "07:00"))
        let draftID = try ScheduleDraftRepository(connection: f.web.store).create(draft, actor: .user(principal)).uuidString.lowercased()
        let base = "/schedules/new/\(draftID)"
        let b = f.web.browser()
        b.signIn("ada@example.org")
        let step = text(b.request("GET", base + "/distribution"))
        #expect(step.contains("Use a template") && step.contains(">Finance pack</option>"))
        #expect(step.contains(">&lt;script&gt;alert(1)&lt;/script&gt;</option>"))
        // The template's own form is not `form.wizard`, which the step's scripts look for; the message fields name
        // the email destinations for the script that shows them while one is checked.
        #expect(step.components(separatedBy: #"class="wizard""#).count == 2)
        #expect(step.contains(#"data-email-destinations="\#(mail.uuidString.lowercased())""#))
        #expect(step.contains(#"<script src="/static/wizard-message.js" defer></script>"#))
        let script = try String(contentsOfFile: WebHarness.templatesDirectory + "/../static/wizard-message.js", encoding: .utf8)
        #expect(script.contains("data-email-destinations") && !script.contains("innerHTML") && !script.contains("eval("))
        expectInert(step)

        let none = b.request("POST", base + "/distribution", form: [("csrf_token", b.csrfToken ?? ""), ("action", "template"), ("template_id", "")])
        #expect(none.status == .unprocessableContent && text(none).contains(#"id="template_id-error""#))
        let used = b.request("POST", base + "/distribution", form: [("csrf_token", b.csrfToken ?? ""), ("action", "template"),
                                                                    ("template_id", template.id.uuidString)])
        #expect(used.status == .seeOther && used.header("Location") == base + "/distribution")
        let applied = text(b.request("GET", base + "/distribution"))
        #expect(applied.contains("From template Finance pack"))
        #expect(applied.contains(#"id="destination-\#(f.folder.uuidString.lowercased())" name="destination_ids" value="\#(f.folder.uuidString.lowercased())" checked"#))
        #expect(applied.contains(#"id="destination-\#(mail.uuidString.lowercased())" name="destination_ids" value="\#(mail.uuidString.lowercased())" checked"#))
        #expect(applied.contains(#"id="format-xlsx" name="formats" value="xlsx" checked"#) && !applied.contains(#"value="csv" checked"#))
        #expect(applied.contains(#"value="Figures for {date}""#) && applied.contains("**Hello**</textarea>"))
        #expect(applied.contains(#"id="naming-timestamp" name="naming" value="timestamp" checked"#))

        // The copied values stay editable: the subject is changed before continuing.
        let next = b.request("POST", base + "/distribution", form: [
            ("csrf_token", b.csrfToken ?? ""), ("destination_ids", f.folder.uuidString), ("destination_ids", mail.uuidString),
            ("formats", "xlsx"), ("formats", "pdf"), ("filename_pattern", "{report_name}-{date}.{format}"), ("naming", "timestamp"),
            ("email_subject", "Edited figures for {date}"), ("email_body_md", "**Hello**"),
        ])
        #expect(next.header("Location") == base + "/review", "\(text(next))")
        let review = text(b.request("GET", base + "/review"))
        #expect(review.contains("Edited figures for {date}") && review.contains("copied from Finance pack"))
        let done = b.request("POST", base + "/review", form: [("csrf_token", b.csrfToken ?? ""), ("action", "activate")])
        #expect(done.status == .seeOther, "\(text(done))")
        let schedule = try #require(try ScheduleService(connection: f.web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 9))
            .list(actor: .commandLine).items.first)
        #expect(Set(schedule.destinationIDs) == [f.folder, mail] && schedule.formats == ["xlsx", "pdf"] && schedule.naming == "timestamp")
        #expect(schedule.emailSubject == "Edited figures for {date}" && schedule.emailBodyMd == "**Hello**" && schedule.templateID == template.id)
    }

    func expectInert(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!page.contains("<script>alert"), sourceLocation: sourceLocation)
        #expect(!page.contains("<img src=x"), sourceLocation: sourceLocation)
        #expect(!page.contains(#"href="javascript:"#), sourceLocation: sourceLocation)
    }
}
