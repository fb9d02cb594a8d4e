import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// The report editor: the parameter table and versions on the page, parameters and versions in the API, and the
/// run preview through both, on a reporting database of its own (one that can read Herald's tables is refused).
struct ReportEditorTests {
    static let hostile = #"<script>alert(1)</script>"#

    struct Fixture {
        let web: WebHarness
        let reporting: PostgresConnection
        let sourceID: String
        let alice: WebHarness.Browser
        let aliceCSRF: [String: String]

        init() async throws {
            web = try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32),
                                                             deliveryRoot: (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-editor-root"))
            let reportingURL = try TestDatabase.create()
            reporting = try PostgresConnection(url: reportingURL)
            try reporting.executeScript(unsafeSQL: """
                CREATE TABLE t (id int, region text, note text);
                INSERT INTO t VALUES (1, 'US', 'plain'), (2, 'EU', '\(ReportEditorTests.hostile)'), (3, 'EU', NULL);
                """)
            try web.addUser("admin@example.org", role: .admin)
            let admin = web.browser()
            admin.signIn("admin@example.org")
            admin.request("GET", "/status")
            let body = try String(decoding: JSONSerialization.data(withJSONObject: ["name": "Reporting", "url": reportingURL]), as: UTF8.self)
            let made = admin.request("POST", "/api/v1/datasources", json: body, headers: ["X-CSRF-Token": admin.csrfToken ?? ""])
            sourceID = try #require(try JSONSerialization.jsonObject(with: Data(made.body)) as? [String: Any])["id"] as? String ?? ""
            try web.addUser("alice@example.org", role: .creator)
            alice = web.browser()
            alice.signIn("alice@example.org")
            alice.request("GET", "/status")
            aliceCSRF = ["X-CSRF-Token": alice.csrfToken ?? ""]
        }

        func object(_ response: HTTPResponse) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "\(text(response))")
        }

        /// The report form's fields, with the parameter table's rows (`param_<i>_<key>`).
        func form(sql: String, action: String, rows: [[String: String]]) -> [(String, String)] {
            var fields = [("csrf_token", alice.csrfToken ?? ""), ("name", "Sales"), ("data_source_id", sourceID), ("sql", sql),
                          ("description_md", ""), ("max_duration_seconds", "60"), ("row_limit", ""), ("action", action),
                          ("param_count", String(rows.count))]
            for (index, row) in rows.enumerated() {
                for (key, value) in row.sorted(by: { $0.key < $1.key }) { fields.append(("param_\(index)_\(key)", value)) }
            }
            return fields
        }

        /// Keeps a page for a screenshot when `HERALD_EDITOR_PAGES` names a folder.
        func keep(_ response: HTTPResponse, as name: String) {
            guard let folder = ProcessInfo.processInfo.environment["HERALD_EDITOR_PAGES"] else { return }
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: folder + "/" + name + ".html", contents: Data(response.body))
        }
    }

    static let region = ["name": "region", "label": "Region", "type": "choice", "choices": "EU, US", "default": "EU", "required": "1"]

    @Test func parametersRoundTripThroughPostGetAndPatchAndEachChangeIsAVersion() async throws {
        let f = try await Fixture()
        let body = try String(decoding: JSONSerialization.data(withJSONObject: [
            "name": "Sales", "data_source_id": f.sourceID, "sql": "SELECT id FROM t WHERE region = :region AND id = ANY(:ids)",
            "parameters": [["name": "region", "type": "choice", "choices": ["EU", "US"], "label": "Region", "default": "EU", "required": true],
                           ["name": "ids", "type": "list", "item_type": "integer", "default": [1, 2]]],
        ]), as: UTF8.self)
        let created = f.alice.request("POST", "/api/v1/reports", json: body, headers: f.aliceCSRF)
        #expect(created.status == .created, "\(text(created))")
        let json = try f.object(created)
        let id = try #require(json["id"] as? String)
        #expect(json["version"] as? Int == 1)
        let parameters = try #require(json["parameters"] as? [[String: Any]])
        #expect(parameters.map { $0["name"] as? String } == ["region", "ids"])
        #expect(parameters[0]["choices"] as? [String] == ["EU", "US"])
        #expect(parameters[0]["default"] as? String == "EU")
        #expect(parameters[0]["required"] as? Bool == true)
        #expect(parameters[1]["item_type"] as? String == "integer")
        #expect(parameters[1]["default"] as? [Int] == [1, 2])
        #expect(parameters[1]["label"] as? String == "ids")

        let read = try f.object(f.alice.request("GET", "/api/v1/reports/\(id)"))
        #expect((read["parameters"] as? [[String: Any]])?.count == 2)

        let patched = f.alice.request("PATCH", "/api/v1/reports/\(id)", json: #"{"parameters":[{"name":"region","type":"text","default":"EU"},{"name":"ids","type":"list","item_type":"integer"}]}"#,
                                      headers: f.aliceCSRF)
        #expect(patched.status == .ok, "\(text(patched))")
        let after = try f.object(patched)
        #expect(after["version"] as? Int == 2)
        #expect((after["parameters"] as? [[String: Any]])?.first?["type"] as? String == "text")
        #expect(after["sql"] as? String == "SELECT id FROM t WHERE region = :region AND id = ANY(:ids)")
        let renamed = try f.object(f.alice.request("PATCH", "/api/v1/reports/\(id)", json: #"{"name":"Renamed"}"#, headers: f.aliceCSRF))
        #expect(renamed["version"] as? Int == 2)
        #expect((renamed["parameters"] as? [[String: Any]])?.count == 2)

        let versions = f.alice.request("GET", "/api/v1/reports/\(id)/versions")
        #expect(versions.status == .ok)
        let items = try #require(try f.object(versions)["items"] as? [[String: Any]])
        #expect(items.map { $0["version"] as? Int } == [2, 1])
        #expect(items.first?["created_by"] as? String == "alice@example.org")
        #expect((items.last?["parameters"] as? [[String: Any]])?.first?["type"] as? String == "choice")
        #expect(items.first?["created_at"] is String)

        let bob = f.web.browser()
        try f.web.addUser("bob@example.org", role: .creator)
        bob.signIn("bob@example.org")
        #expect(bob.request("GET", "/api/v1/reports/\(id)/versions").status == .notFound)
    }

    @Test func thePreviewEndpointsReturnTypedRowsOrTheDatabasesError() async throws {
        let f = try await Fixture()
        let body = try String(decoding: JSONSerialization.data(withJSONObject: [
            "name": "Sales", "data_source_id": f.sourceID, "sql": "SELECT id, note, id > 2 AS late FROM t WHERE region = :region ORDER BY id",
            "parameters": [["name": "region", "type": "choice", "choices": ["EU", "US"], "default": "EU"]],
        ]), as: UTF8.self)
        let id = try #require(try f.object(f.alice.request("POST", "/api/v1/reports", json: body, headers: f.aliceCSRF))["id"] as? String)
        let saved = f.alice.request("POST", "/api/v1/reports/\(id)/preview", headers: f.aliceCSRF)
        #expect(saved.status == .ok, "\(text(saved))")
        let preview = try f.object(saved)
        let columns = try #require(preview["columns"] as? [[String: String]])
        #expect(columns == [["name": "id", "type": "integer"], ["name": "note", "type": "text"], ["name": "late", "type": "boolean"]])
        let rows = try #require(preview["rows"] as? [[Any]])
        #expect(rows.count == 2)
        #expect(rows[0][0] as? Int == 2 && rows[0][1] as? String == Self.hostile && rows[0][2] as? Bool == false)
        #expect(rows[1][1] is NSNull)
        #expect(preview["truncated"] as? Bool == false)

        let unsaved = f.alice.request("POST", "/api/v1/reports/preview", json: #"{"data_source_id":"\#(f.sourceID)","sql":"SELECT g FROM generate_series(1, 30) g"}"#,
                                      headers: f.aliceCSRF)
        #expect(unsaved.status == .ok, "\(text(unsaved))")
        #expect((try f.object(unsaved)["rows"] as? [[Any]])?.count == 20)
        #expect(try f.object(unsaved)["truncated"] as? Bool == true)

        let failed = f.alice.request("POST", "/api/v1/reports/preview", json: #"{"data_source_id":"\#(f.sourceID)","sql":"DELETE FROM t"}"#, headers: f.aliceCSRF)
        #expect(failed.status == .unprocessableContent)
        #expect(failed.header("Content-Type") == "application/problem+json")
        let errors = try #require(try f.object(failed)["errors"] as? [[String: String]])
        #expect(errors.first?["field"] == "preview")
        #expect(errors.first?["message"]?.contains("DELETE is not allowed") == true, "\(errors)")
        #expect(try f.reporting.query("SELECT count(*)::int AS n FROM t")[0].decode("n", as: Int.self) == 3)

        try f.web.addUser("bob@example.org", role: .creator)
        let bob = f.web.browser()
        bob.signIn("bob@example.org")
        bob.request("GET", "/status")
        #expect(bob.request("POST", "/api/v1/reports/\(id)/preview", headers: ["X-CSRF-Token": bob.csrfToken ?? ""]).status == .notFound)
    }

    @Test func theParameterTablePostsAndSavesAndRemovesRows() async throws {
        let f = try await Fixture()
        f.alice.request("GET", "/reports/new")
        let saved = f.alice.request("POST", "/reports", form: f.form(sql: "SELECT note FROM t WHERE region = :region", action: "save",
                                                                     rows: [Self.region, [:], ["name": "", "type": "text"]]))
        #expect(saved.status == .seeOther, "\(text(saved))")
        let id: UUID = try f.web.store.query("SELECT id FROM reports")[0].decode("id")
        let report = try ReportService(connection: f.web.store).get(id, actor: .commandLine)
        #expect(report.parameters == [ReportParameter(name: "region", type: .choice, choices: ["EU", "US"], label: "Region", default: .string("EU"), required: true)])

        let page = f.alice.request("GET", "/reports/\(id.uuidString.lowercased())")
        f.keep(page, as: "form-with-parameters")
        let html = text(page)
        #expect(html.contains(#"name="param_0_name" type="text" value="region""#), "\(html)")
        #expect(html.contains(#"name="param_0_choices" type="text" value="EU, US""#))
        #expect(html.contains(#"<option value="choice" selected>choice</option>"#))
        #expect(html.contains(#"name="param_count" value="4""#))
        #expect(html.contains("Version 1"))
        #expect(html.contains("<summary>Version 1 (current), by alice@example.org"))

        let removed = f.alice.request("POST", "/reports/\(id.uuidString.lowercased())", form: f.form(
            sql: "SELECT note FROM t", action: "save", rows: [Self.region.merging(["remove": "1"]) { $1 }]))
        #expect(removed.status == .seeOther, "\(text(removed))")
        let after = try ReportService(connection: f.web.store).get(id, actor: .commandLine)
        #expect(after.parameters.isEmpty)
        #expect(after.version == 2)
        let versions = text(f.alice.request("GET", "/reports/\(id.uuidString.lowercased())"))
        #expect(versions.range(of: "Version 2 (current)")!.lowerBound < versions.range(of: "<summary>Version 1,")!.lowerBound)
    }

    @Test func errorsAppearBesideTheCellTheyConcern() async throws {
        let f = try await Fixture()
        f.alice.request("GET", "/reports/new")
        let refused = f.alice.request("POST", "/reports", form: f.form(sql: "SELECT :region, :n", action: "save", rows: [
            Self.region, ["name": "n", "type": "integer", "default": "many"], ["name": "Bad Name", "type": "text"],
        ]))
        f.keep(refused, as: "form-with-cell-errors")
        #expect(refused.status == .unprocessableContent)
        let html = text(refused)
        #expect(html.contains("<title>Error: "))
        #expect(html.contains(#"id="param-1-default-error""#), "\(html)")
        #expect(html.contains(#"id="param-2-name-error""#))
        #expect(html.contains(##"href="#param-2-name""##))
        #expect(html.contains("Parameter 2 default must be a whole number"))
        #expect(!html.contains(#"id="param-0-name-error""#))
        // What was typed comes back, the bad row included.
        #expect(html.contains(#"value="Bad Name""#))
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM reports")[0].decode("n", as: Int.self) == 0)
    }

    @Test func runPreviewShowsTheFirstRowsEscapedOrTheDatabasesError() async throws {
        let f = try await Fixture()
        f.alice.request("GET", "/reports/new")
        let shown = f.alice.request("POST", "/reports", form: f.form(sql: "SELECT id, note FROM t WHERE region = :region ORDER BY id",
                                                                     action: "run_preview", rows: [Self.region]))
        f.keep(shown, as: "form-with-preview")
        #expect(shown.status == .ok, "\(text(shown))")
        let html = text(shown)
        #expect(html.contains("Preview of the query"))
        #expect(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"), "\(html)")
        #expect(!html.contains(Self.hostile))
        #expect(html.contains(#"<span class="muted">NULL</span>"#))
        #expect(html.contains("All 2 rows."))
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM reports")[0].decode("n", as: Int.self) == 0)

        let failed = f.alice.request("POST", "/reports", form: f.form(sql: "SELECT missing_column FROM t", action: "run_preview", rows: []))
        f.keep(failed, as: "form-with-preview-error")
        #expect(text(failed).contains(#"id="preview-error""#))
        #expect(text(failed).contains("column &quot;missing_column&quot; does not exist") || text(failed).contains("column \"missing_column\" does not exist"),
                "\(text(failed))")
        #expect(!text(failed).contains("postgresql://"))

        let required = f.alice.request("POST", "/reports", form: f.form(sql: "SELECT :region", action: "run_preview",
                                                                        rows: [["name": "region", "type": "text", "required": "1"]]))
        #expect(required.status == .unprocessableContent)
        #expect(text(required).contains(#"id="param-0-default-error""#), "\(text(required))")
    }
}
