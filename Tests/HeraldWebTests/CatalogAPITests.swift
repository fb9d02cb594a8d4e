import Foundation
import HeraldCore
import HeraldStore
import Testing
import TestSupport
@testable import HeraldWeb

/// `/api/v1/reports`, `/datasources` and `/destinations` through the whole pipeline (session cookie + CSRF header).
struct CatalogAPITests {
    static let root = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-api-root"

    func harness() async throws -> WebHarness {
        try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32), deliveryRoot: Self.root))
    }

    /// A signed-in browser and its CSRF token.
    func signedIn(_ web: WebHarness, _ email: String, _ role: UserRole) throws -> (WebHarness.Browser, [String: String]) {
        try web.addUser(email, role: role)
        let browser = web.browser()
        browser.signIn(email)
        browser.request("GET", "/status")
        return (browser, ["X-CSRF-Token": browser.csrfToken ?? ""])
    }

    func object(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func reportsAreCreatedReadChangedAndDeletedByTheirOwnerOnly() async throws {
        let web = try await harness()
        let (admin, adminCSRF) = try signedIn(web, "admin@example.org", .admin)
        let canary = "pw-\(UUID().uuidString.prefix(8))"
        let created = admin.request("POST", "/api/v1/datasources", json: #"{"name":"Shop","url":"postgresql://r:\#(canary)@127.0.0.1:1/x"}"#, headers: adminCSRF)
        #expect(created.status == .created, "\(text(created))")
        #expect(!text(created).contains(canary))
        let sourceID = try #require(try object(created)["id"] as? String)
        #expect(!text(admin.request("GET", "/api/v1/datasources")).contains(canary))
        let tested = admin.request("POST", "/api/v1/datasources/\(sourceID)/test", headers: adminCSRF)
        #expect(tested.status == .ok)
        #expect(try object(tested)["ok"] as? Bool == false)
        #expect(!text(tested).contains(canary))

        let (alice, aliceCSRF) = try signedIn(web, "alice@example.org", .creator)
        #expect(alice.request("POST", "/api/v1/datasources", json: #"{"name":"Mine","url":"postgresql://x@y/z"}"#, headers: aliceCSRF).status == .forbidden)
        let names = try object(alice.request("GET", "/api/v1/datasources"))
        let first = try #require((names["items"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["id", "name"])

        let bad = alice.request("POST", "/api/v1/reports", json: #"{"name":"","data_source_id":"\#(UUID().uuidString)","sql":" ","max_duration_seconds":0}"#, headers: aliceCSRF)
        #expect(bad.status == .unprocessableContent)
        let fields = Set(((try object(bad)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["name", "data_source_id", "sql", "max_duration_seconds"])

        let hostile = #"<script>alert(1)</script> [x](javascript:alert(1))"#
        let body = try String(decoding: JSONSerialization.data(withJSONObject: [
            "name": "Sales", "data_source_id": sourceID, "sql": "SELECT 1", "description_md": hostile]), as: UTF8.self)
        let report = alice.request("POST", "/api/v1/reports", json: body, headers: aliceCSRF)
        #expect(report.status == .created, "\(text(report))")
        let json = try object(report)
        let reportID = try #require(json["id"] as? String)
        let html = try #require(json["description_html"] as? String)
        #expect(!html.contains("<script>") && !html.contains("javascript:"), "\(html)")
        #expect(json["parameters"] as? [Any] != nil)
        #expect(json["owner_id"] as? String != nil)

        let (bob, bobCSRF) = try signedIn(web, "bob@example.org", .creator)
        #expect(bob.request("GET", "/api/v1/reports/\(reportID)").status == .notFound)
        #expect(bob.request("PATCH", "/api/v1/reports/\(reportID)", json: #"{"name":"x"}"#, headers: bobCSRF).status == .notFound)
        #expect(bob.request("DELETE", "/api/v1/reports/\(reportID)", headers: bobCSRF).status == .notFound)
        let (vera, veraCSRF) = try signedIn(web, "vera@example.org", .viewer)
        #expect(vera.request("GET", "/api/v1/reports").status == .forbidden)
        #expect(vera.request("POST", "/api/v1/reports", json: body, headers: veraCSRF).status == .forbidden)

        let patched = alice.request("PATCH", "/api/v1/reports/\(reportID)", json: #"{"name":"Renamed"}"#, headers: aliceCSRF)
        #expect(try object(patched)["name"] as? String == "Renamed")
        #expect(try object(patched)["sql"] as? String == "SELECT 1")
        let put = alice.request("PUT", "/api/v1/reports/\(reportID)", json: #"{"name":"Only a name"}"#, headers: aliceCSRF)
        #expect(put.status == .unprocessableContent)
        let list = try object(alice.request("GET", "/api/v1/reports", query: "limit=1"))
        #expect((list["items"] as? [Any])?.count == 1)
        #expect(list["next_cursor"] is NSNull)
        #expect(admin.request("DELETE", "/api/v1/datasources/\(sourceID)", headers: adminCSRF).status == .conflict)
        #expect(alice.request("DELETE", "/api/v1/reports/\(reportID)", headers: aliceCSRF).status == .noContent)
        #expect(alice.request("GET", "/api/v1/reports/\(reportID)").status == .notFound)
        let audit: String = try web.store.query("SELECT string_agg(details::text, ' ') AS t FROM audit_log")[0].decode("t")
        #expect(!audit.contains(canary))
    }

    @Test func destinationsTakeASubfolderOfTheRootOnly() async throws {
        let web = try await harness()
        let (alice, csrf) = try signedIn(web, "alice@example.org", .creator)
        func fields(_ body: String) throws -> Set<String> {
            let bad = alice.request("POST", "/api/v1/destinations", json: body, headers: csrf)
            #expect(bad.status == .unprocessableContent)
            return Set(((try object(bad)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
        }
        #expect(try fields(#"{"name":"","kind":"pigeon","settings":{"path":"/etc"}}"#) == ["name", "kind"])
        #expect(try fields(#"{"name":"","kind":"folder","settings":{"path":"/etc"}}"#) == ["name", "settings.path"])
        #expect(try fields(#"{"name":"f","kind":"ftp","settings":{"host":"","username":"u","password":"p"}}"#) == ["settings.host", "settings.password"])
        #expect(alice.request("POST", "/api/v1/destinations", json: #"{"name":"x","settings":{"path":"../up"}}"#, headers: csrf).status == .unprocessableContent)
        let created = alice.request("POST", "/api/v1/destinations", json: #"{"name":"Out","kind":"folder","settings":{"path":"alice/out"}}"#, headers: csrf)
        #expect(created.status == .created, "\(text(created))")
        let json = try object(created)
        #expect((json["settings"] as? [String: Any])?["path"] as? String == "alice/out")
        #expect(json["secrets_set"] as? [String] == [])
        let id = try #require(json["id"] as? String)
        let (bob, bobCSRF) = try signedIn(web, "bob@example.org", .creator)
        #expect(bob.request("GET", "/api/v1/destinations/\(id)").status == .notFound)
        #expect(bob.request("PUT", "/api/v1/destinations/\(id)", json: #"{"name":"b","settings":{"path":"b"}}"#, headers: bobCSRF).status == .notFound)
        let patched = alice.request("PATCH", "/api/v1/destinations/\(id)", json: #"{"settings":{"path":"alice/new"}}"#, headers: csrf)
        #expect(((try object(patched)["settings"]) as? [String: Any])?["path"] as? String == "alice/new")
        #expect(alice.request("DELETE", "/api/v1/destinations/\(id)", headers: csrf).status == .noContent)
    }

    @Test func theTestButtonReachesAWorkingDatabase() async throws {
        let web = try await harness()
        let (admin, csrf) = try signedIn(web, "admin@example.org", .admin)
        let body = try String(decoding: JSONSerialization.data(withJSONObject: ["name": "Self", "url": try TestEnvironment.databaseURL()]), as: UTF8.self)
        let id = try #require(try object(admin.request("POST", "/api/v1/datasources", json: body, headers: csrf))["id"] as? String)
        let tested = admin.request("POST", "/api/v1/datasources/\(id)/test", headers: csrf)
        #expect(try object(tested)["ok"] as? Bool == true, "\(text(tested))")
    }
}
