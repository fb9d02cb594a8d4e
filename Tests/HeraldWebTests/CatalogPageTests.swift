import Foundation
import HeraldCore
import HeraldStore
import Testing
import TestSupport
@testable import HeraldWeb

/// `/reports`, `/datasources` and `/destinations` as a browser uses them: hostile text comes out inert, other
/// creators' objects are 404, viewers are kept out, the URL never appears, and the test button reports the failure.
struct CatalogPageTests {
    static let hostile = [#"<script>alert(1)</script>"#, #""><img src=x onerror=alert(1)>"#, "javascript:alert(1)"]

    func harness() async throws -> WebHarness {
        try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32),
                                                   deliveryRoot: (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-pages-root"))
    }

    func signedIn(_ web: WebHarness, _ email: String, _ role: UserRole) throws -> WebHarness.Browser {
        try web.addUser(email, role: role)
        let browser = web.browser()
        browser.signIn(email)
        return browser
    }

    /// The page carries none of the hostile strings as markup.
    func expectInert(_ page: String, _ where: String) {
        #expect(!page.contains("<script>alert"), "\(`where`)")
        #expect(!page.contains("<img src=x"), "\(`where`)")
        #expect(!page.contains(#"href="javascript:"#), "\(`where`)")
    }

    @Test func reportPagesShowHostileTextInertAndKeepOthersOut() async throws {
        let web = try await harness()
        let admin = try signedIn(web, "admin@example.org", .admin)
        admin.request("GET", "/datasources/new")
        let canary = "pw-\(UUID().uuidString.prefix(8))"
        let made = admin.request("POST", "/datasources", form: [("csrf_token", admin.csrfToken ?? ""), ("name", Self.hostile[1]),
                                                                ("url", "postgresql://r:\(canary)@127.0.0.1:1/x"),
                                                                ("statement_timeout_ms", "5000"), ("max_concurrency", "2")])
        #expect(made.status == .seeOther, "\(text(made))")
        let sourceID: UUID = try web.store.query("SELECT id FROM data_sources")[0].decode("id")

        let alice = try signedIn(web, "alice@example.org", .creator)
        alice.request("GET", "/reports/new")
        let name = Self.hostile.joined(separator: " ")
        let description = "**bold** and [x](javascript:alert(1))\n\n<script>alert(1)</script>\n"
        // Preview renders the Markdown safely and saves nothing.
        let preview = alice.request("POST", "/reports", form: [("csrf_token", alice.csrfToken ?? ""), ("name", name), ("data_source_id", sourceID.uuidString),
                                                               ("sql", "SELECT 1"), ("description_md", description), ("max_duration_seconds", "60"),
                                                               ("action", "preview")])
        #expect(preview.status == .ok)
        #expect(text(preview).contains("<strong>bold</strong>"), "\(text(preview))")
        #expect(text(preview).contains(">x</a>"))
        expectInert(text(preview), "preview")
        #expect(try web.store.query("SELECT count(*)::int AS n FROM reports")[0].decode("n", as: Int.self) == 0)

        let invalid = alice.request("POST", "/reports", form: [("csrf_token", alice.csrfToken ?? ""), ("name", ""), ("data_source_id", ""),
                                                               ("sql", ""), ("max_duration_seconds", "soon")])
        #expect(invalid.status == .unprocessableContent)
        #expect(text(invalid).contains("<title>Error: "))
        #expect(text(invalid).contains("enter the query") && text(invalid).contains("choose a data source"))

        let saved = alice.request("POST", "/reports", form: [("csrf_token", alice.csrfToken ?? ""), ("name", name), ("data_source_id", sourceID.uuidString),
                                                             ("sql", "SELECT 1"), ("description_md", description), ("max_duration_seconds", "60"),
                                                             ("action", "save")])
        #expect(saved.status == .seeOther, "\(text(saved))")
        let reportID: UUID = try web.store.query("SELECT id FROM reports")[0].decode("id")
        for path in ["/reports", "/reports/\(reportID.uuidString)", "/reports/\(reportID.uuidString)/delete"] {
            let page = alice.request("GET", path)
            #expect(page.status == .ok, "\(path)")
            expectInert(text(page), path)
            #expect(!text(page).contains(canary))
        }
        #expect(text(alice.request("GET", "/reports")).contains("&lt;script&gt;"))

        let bob = try signedIn(web, "bob@example.org", .creator)
        #expect(bob.request("GET", "/reports/\(reportID.uuidString)").status == .notFound)
        bob.request("GET", "/reports")
        #expect(bob.request("POST", "/reports/\(reportID.uuidString)/delete", form: [("csrf_token", bob.csrfToken ?? "")]).status == .notFound)
        #expect(bob.request("GET", "/datasources").status == .forbidden)
        let vera = try signedIn(web, "vera@example.org", .viewer)
        #expect(vera.request("GET", "/reports").status == .forbidden)
        vera.request("GET", "/status")
        #expect(vera.request("POST", "/reports", form: [("csrf_token", vera.csrfToken ?? ""), ("name", "x")]).status == .forbidden)

        // The admin's data source pages never show the URL, and the test button names the failure without it.
        for path in ["/datasources", "/datasources/\(sourceID.uuidString)"] {
            let page = admin.request("GET", path)
            #expect(page.status == .ok)
            #expect(!text(page).contains(canary))
            expectInert(text(page), path)
        }
        let tested = admin.request("POST", "/datasources/\(sourceID.uuidString)/test", form: [("csrf_token", admin.csrfToken ?? "")])
        #expect(tested.status == .ok)
        #expect(text(tested).contains("The connection failed."))
        #expect(!text(tested).contains(canary))

        alice.request("GET", "/reports/\(reportID.uuidString)/delete")
        #expect(alice.request("POST", "/reports/\(reportID.uuidString)/delete", form: [("csrf_token", alice.csrfToken ?? "")]).status == .seeOther)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM reports")[0].decode("n", as: Int.self) == 0)
        let audit: String = try web.store.query("SELECT string_agg(details::text, ' ') AS t FROM audit_log")[0].decode("t")
        #expect(!audit.contains(canary))
    }

    /// The form says why a data source on Herald's own database is refused, beside the URL, and stores nothing.
    @Test func aDataSourceOnHeraldsOwnDatabaseIsRefusedBesideTheURL() async throws {
        let web = try await harness()
        let admin = try signedIn(web, "admin@example.org", .admin)
        let database: String = try web.store.query("SELECT current_database() AS d")[0].decode("d")
        var components = URLComponents(string: try TestEnvironment.databaseURL())!
        components.path = "/" + database
        admin.request("GET", "/datasources/new")
        let refused = admin.request("POST", "/datasources", form: [("csrf_token", admin.csrfToken ?? ""), ("name", "Herald"),
                                                                   ("url", components.string!), ("statement_timeout_ms", ""), ("max_concurrency", "")])
        #expect(refused.status == .unprocessableContent)
        #expect(text(refused).contains("can read Herald&#39;s own tables") || text(refused).contains("can read Herald's own tables"))
        #expect(text(refused).contains("id=\"url-error\""), "\(text(refused))")
        #expect(try web.store.query("SELECT count(*)::int AS n FROM data_sources")[0].decode("n", as: Int.self) == 0)
    }

    @Test func theTestButtonSaysAReachableDatabaseWorks() async throws {
        let web = try await harness()
        let admin = try signedIn(web, "admin@example.org", .admin)
        admin.request("GET", "/datasources/new")
        admin.request("POST", "/datasources", form: [("csrf_token", admin.csrfToken ?? ""), ("name", "Self"), ("url", try TestEnvironment.databaseURL()),
                                                     ("statement_timeout_ms", ""), ("max_concurrency", "")])
        let id: UUID = try web.store.query("SELECT id FROM data_sources")[0].decode("id")
        admin.request("GET", "/datasources/\(id.uuidString)")
        let tested = admin.request("POST", "/datasources/\(id.uuidString)/test", form: [("csrf_token", admin.csrfToken ?? "")])
        #expect(text(tested).contains("Connection works."), "\(text(tested))")
    }

    @Test func destinationPagesRefuseEscapingFoldersAndShowHostileNamesInert() async throws {
        let web = try await harness()
        let alice = try signedIn(web, "alice@example.org", .creator)
        alice.request("GET", "/destinations/new")
        let refused = alice.request("POST", "/destinations", form: [("csrf_token", alice.csrfToken ?? ""), ("name", "x"), ("kind", "folder"), ("path", "../etc")])
        #expect(refused.status == .unprocessableContent)
        #expect(text(refused).contains("inside the delivery root"))
        let name = Self.hostile.joined(separator: " ")
        let saved = alice.request("POST", "/destinations", form: [("csrf_token", alice.csrfToken ?? ""), ("name", name), ("kind", "folder"),
                                                                  ("path", #"a"><img src=x onerror=alert(1)>"#)])
        #expect(saved.status == .seeOther, "\(text(saved))")
        let id: UUID = try web.store.query("SELECT id FROM destinations")[0].decode("id")
        for path in ["/destinations", "/destinations/\(id.uuidString)", "/destinations/\(id.uuidString)/delete"] {
            let page = alice.request("GET", path)
            #expect(page.status == .ok, "\(path)")
            expectInert(text(page), path)
        }
        let bob = try signedIn(web, "bob@example.org", .creator)
        #expect(bob.request("GET", "/destinations/\(id.uuidString)").status == .notFound)
        #expect(!text(bob.request("GET", "/destinations")).contains("onerror"))
        let vera = try signedIn(web, "vera@example.org", .viewer)
        #expect(vera.request("GET", "/destinations").status == .forbidden)
        alice.request("GET", "/destinations/\(id.uuidString)/delete")
        #expect(alice.request("POST", "/destinations/\(id.uuidString)/delete", form: [("csrf_token", alice.csrfToken ?? "")]).status == .seeOther)
    }
}
