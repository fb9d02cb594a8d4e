import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// `/account`, `/admin/users` and `/admin/audit` through the whole pipeline, against real PostgreSQL and Redis.
struct UserPagesTests {
    static let hostile = ["<script>alert(1)</script>", #""><img src=x onerror=alert(1)>"#, "javascript:alert(1)"]

    /// No hostile string comes out as markup: `<script>` and `<img` only ever appear escaped.
    static func expectInert(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!html.contains("<script>alert(1)"), sourceLocation: sourceLocation)
        #expect(!html.contains("<img src=x"), sourceLocation: sourceLocation)
        #expect(!html.contains(#"href="javascript:"#), sourceLocation: sourceLocation)
    }

    func signedIn(_ web: WebHarness, _ email: String, page: String = "/account") -> WebHarness.Browser {
        let browser = web.browser()
        browser.signIn(email)
        browser.request("GET", page)
        return browser
    }

    @Test func viewersAndCreatorsGet403OnAdminPagesAndChangeNothing() async throws {
        let web = try await WebHarness()
        let admin = try web.addUser("root@example.org", role: .admin)
        for role in [UserRole.viewer, .creator] {
            let email = "\(role.rawValue)@example.org"
            try web.addUser(email, role: role)
            let browser = signedIn(web, email)
            let token = try #require(browser.csrfToken)
            for path in ["/admin/users", "/admin/users/new", "/admin/users/\(admin.id.uuidString)", "/admin/audit"] {
                #expect(browser.request("GET", path).status == .forbidden, "\(role) GET \(path)")
            }
            for path in ["/admin/users/\(admin.id.uuidString)/role", "/admin/users/\(admin.id.uuidString)/disable",
                         "/admin/users/\(admin.id.uuidString)/password"] {
                #expect(browser.request("POST", path, form: [("csrf_token", token), ("role", "viewer")]).status == .forbidden)
            }
            #expect(browser.request("POST", "/admin/users", form: [("csrf_token", token), ("email", "x@example.org"), ("role", "admin")]).status == .forbidden)
        }
        let users = try web.store.query("SELECT email, role, disabled_at IS NULL AS active FROM users ORDER BY email")
        #expect(users.count == 3)
        #expect(try users.first { try $0.decode("email", as: String.self) == "root@example.org" }?.decode("role", as: String.self) == "admin")
        #expect(try users.allSatisfy { try $0.decode("active", as: Bool.self) })
    }

    @Test func anAdminAddsAUserWithHostileNamesThatRenderInertAndManagesThem() async throws {
        let web = try await WebHarness()
        try web.addUser("root@example.org", role: .admin)
        let admin = signedIn(web, "root@example.org", page: "/admin/users/new")
        #expect(admin.lastPage.contains("<title>Add a user · Herald</title>"))
        var ids: [String] = []
        for (index, name) in Self.hostile.enumerated() {
            let created = admin.request("POST", "/admin/users", form: [
                ("csrf_token", admin.csrfToken ?? ""), ("email", "user\(index)@example.org"), ("display_name", name),
                ("role", "creator"), ("time_zone", "Europe/Berlin"), ("password", "")])
            #expect(created.status == .ok)
            // A generated password is shown once, on this page only.
            let password = try #require(Self.readonlyValue(admin.lastPage, id: "generated-password"))
            #expect(password.count >= 20)
            Self.expectInert(admin.lastPage)
            ids.append(try web.store.query("SELECT id FROM users WHERE email = \("user\(index)@example.org")")[0].decode("id", as: UUID.self).uuidString.lowercased())
            #expect(try web.store.query("SELECT count(*)::int AS n FROM audit_log WHERE details::text LIKE \("%" + password + "%")")[0].decode("n", as: Int.self) == 0)
        }
        let list = text(admin.request("GET", "/admin/users"))
        Self.expectInert(list)
        #expect(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(list.contains("user2@example.org"))
        let page = admin.request("GET", "/admin/users/\(ids[1])")
        #expect(page.status == .ok)
        Self.expectInert(text(page))

        // Role, disable (ends sessions), enable, reset.
        try web.store.execute("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'root@example.org') WHERE email = 'user1@example.org'")
        let other = signedIn(web, "user1@example.org")
        #expect(other.request("GET", "/account").status == .ok)
        admin.request("GET", "/admin/users/\(ids[1])")
        let role = admin.request("POST", "/admin/users/\(ids[1])/role", form: [("csrf_token", admin.csrfToken ?? ""), ("role", "viewer")])
        #expect(role.header("Location") == "/admin/users/\(ids[1])?done=saved")
        let disable = admin.request("POST", "/admin/users/\(ids[1])/disable", form: [("csrf_token", admin.csrfToken ?? "")])
        #expect(disable.header("Location") == "/admin/users/\(ids[1])?done=user-disabled")
        #expect(other.request("GET", "/account").status == .seeOther)
        #expect(text(admin.request("GET", "/admin/users/\(ids[1])")).contains("disabled"))
        admin.request("POST", "/admin/users/\(ids[1])/enable", form: [("csrf_token", admin.csrfToken ?? "")])
        let reset = admin.request("POST", "/admin/users/\(ids[1])/password", form: [("csrf_token", admin.csrfToken ?? ""), ("password", "short")])
        #expect(reset.status == .unprocessableContent)
        #expect(admin.lastPage.contains("<title>Error: "))
        #expect(admin.lastPage.contains(##"href="#password""##))
        let good = admin.request("POST", "/admin/users/\(ids[1])/password", form: [("csrf_token", admin.csrfToken ?? ""), ("password", "a brand new passphrase")])
        #expect(good.header("Location") == "/admin/users/\(ids[1])?done=user-password")
        #expect(web.browser().signIn("user1@example.org", password: "a brand new passphrase").status == .seeOther)
        let row = try web.store.query("SELECT role, disabled_at IS NULL AS active FROM users WHERE id = \(UUID(uuidString: ids[1])!)")[0]
        #expect(try row.decode("role", as: String.self) == "viewer")
        #expect(try row.decode("active", as: Bool.self))

        // A bad form keeps what was typed and says what is wrong beside each field.
        admin.request("GET", "/admin/users/new")
        let bad = admin.request("POST", "/admin/users", form: [("csrf_token", admin.csrfToken ?? ""), ("email", "not-an-email"),
                                                              ("display_name", "Keep me"), ("role", "admin"), ("time_zone", "UTC"), ("password", "")])
        #expect(bad.status == .unprocessableContent)
        #expect(admin.lastPage.contains(#"value="Keep me""#))
        #expect(admin.lastPage.contains(#"id="email-error""#))
    }

    static func readonlyValue(_ html: String, id: String) -> String? {
        guard let range = html.range(of: #"id="\#(id)" type="text" readonly value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func theAccountPageChangesTheZoneAndThePasswordAndShowsANewTokenOnce() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        let browser = signedIn(web, "ada@example.org")
        let elsewhere = signedIn(web, "ada@example.org")
        #expect(browser.lastPage.contains(#"<option value="Europe/Berlin">"#))
        #expect(browser.lastPage.contains(#"<option value="UTC" selected>"#))

        let badZone = browser.request("POST", "/account/time-zone", form: [("csrf_token", browser.csrfToken ?? ""), ("time_zone", "<script>alert(1)</script>")])
        #expect(badZone.status == .unprocessableContent)
        Self.expectInert(browser.lastPage)
        let zone = browser.request("POST", "/account/time-zone", form: [("csrf_token", browser.csrfToken ?? ""), ("time_zone", "Asia/Tokyo")])
        #expect(zone.header("Location") == "/account?done=time-zone")
        #expect(text(browser.request("GET", "/account", query: "done=time-zone")).contains(#"<option value="Asia/Tokyo" selected>"#))

        // Tokens: hostile names inert, the token shown once, revoked with a POST.
        for name in Self.hostile {
            let created = browser.request("POST", "/account/tokens", form: [("csrf_token", browser.csrfToken ?? ""), ("name", name), ("expires_in_days", "30")])
            #expect(created.status == .ok)
            Self.expectInert(browser.lastPage)
            #expect(browser.lastPage.contains("hrld_"))
        }
        let token = try #require(Self.readonlyValue(browser.lastPage, id: "token"))
        #expect(web.respond("GET", "/api/v1/me", headers: ["Authorization": "Bearer \(token)"]).status == .ok)
        let account = text(browser.request("GET", "/account"))
        Self.expectInert(account)
        #expect(!account.contains(token))
        #expect(account.contains(String(token.prefix(12))))
        let tokenID = try web.store.query("SELECT id FROM api_tokens WHERE name = 'javascript:alert(1)'")[0].decode("id", as: UUID.self)
        let revoke = browser.request("POST", "/account/tokens/\(tokenID.uuidString.lowercased())/revoke", form: [("csrf_token", browser.csrfToken ?? "")])
        #expect(revoke.header("Location") == "/account?done=token-revoked")
        #expect(web.respond("GET", "/api/v1/me", headers: ["Authorization": "Bearer \(token)"]).status == .unauthorized)
        let emptyName = browser.request("POST", "/account/tokens", form: [("csrf_token", browser.csrfToken ?? ""), ("name", ""), ("expires_in_days", "never")])
        #expect(emptyName.status == .unprocessableContent)
        #expect(browser.lastPage.contains(#"id="name-error""#))

        // Password: wrong current one refused; a good change keeps this session, ends the other and the tokens.
        browser.request("GET", "/account")
        let wrong = browser.request("POST", "/account/password", form: [("csrf_token", browser.csrfToken ?? ""),
                                                                        ("current_password", "nope"), ("new_password", "another passphrase")])
        #expect(wrong.status == .unprocessableContent)
        #expect(browser.lastPage.contains(#"id="current_password-error""#))
        let changed = browser.request("POST", "/account/password", form: [("csrf_token", browser.csrfToken ?? ""),
                                                                          ("current_password", WebHarness.password), ("new_password", "another passphrase")])
        #expect(changed.header("Location") == "/account?done=password")
        #expect(browser.request("GET", "/account").status == .ok)
        #expect(elsewhere.request("GET", "/account").status == .seeOther)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL")[0].decode("n", as: Int.self) == 0)
    }

    @Test func wrongCurrentPasswordsOnTheAccountPageAreThrottledLikeSignIns() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        let browser = web.browser()
        browser.signIn("ada@example.org")
        func change(current: String) -> HTTPResponse {
            browser.request("GET", "/account")
            return browser.request("POST", "/account/password", form: [("csrf_token", browser.csrfToken ?? ""),
                                                                       ("current_password", current), ("new_password", "another passphrase")])
        }
        for _ in 0..<6 { #expect(change(current: "guess").status == .unprocessableContent) }
        let locked = change(current: WebHarness.password)
        #expect(locked.status == .tooManyRequests)
        #expect(Int(locked.header("Retry-After") ?? "") ?? 0 >= 1)
        // The account page again, the reason beside the field, not a bare error page.
        let html = String(decoding: locked.body, as: UTF8.self)
        #expect(html.contains("id=\"current_password-error\""))
        #expect(html.contains("was wrong too many times; try again in"))
        #expect(html.contains("name=\"new_password\""))
        #expect(web.browser().signIn("ada@example.org").status == .tooManyRequests)
    }

    @Test func theAuditPageListsChangesNewestFirstWithFiltersAndEscapedDetails() async throws {
        let web = try await WebHarness()
        try web.addUser("root@example.org", role: .admin)
        let admin = signedIn(web, "root@example.org", page: "/admin/users/new")
        admin.request("POST", "/admin/users", form: [("csrf_token", admin.csrfToken ?? ""), ("email", "x@example.org"),
                                                     ("display_name", Self.hostile[1]), ("role", "viewer"), ("time_zone", "UTC"), ("password", "")])
        let page = admin.request("GET", "/admin/audit")
        #expect(page.status == .ok)
        let html = text(page)
        Self.expectInert(html)
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        let create = try #require(html.range(of: "user.create"))
        let signIn = try #require(html.range(of: "session.create"))
        #expect(signIn.lowerBound < create.lowerBound || html.components(separatedBy: "user.create").count > 2)
        let filtered = text(admin.request("GET", "/admin/audit", query: "action=session.&actor=root%40example.org"))
        #expect(filtered.contains("session.create"))
        #expect(!filtered.contains("<code>user.create</code>"))
        #expect(filtered.contains("Clear filters"))
        let none = text(admin.request("GET", "/admin/audit", query: "from=2001-01-01&to=2001-01-02"))
        #expect(none.contains("No entries match these filters."))
        let bad = admin.request("GET", "/admin/audit", query: "from=yesterday")
        #expect(bad.status == .unprocessableContent)
        let paged = text(admin.request("GET", "/admin/audit", query: "limit=1&action=user."))
        #expect(paged.contains("Older entries"))
        #expect(paged.contains("action=user%2E&amp;cursor="))
    }
}
