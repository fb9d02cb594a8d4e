import Foundation
import HeraldCore
import HeraldStore
import Testing
import TestSupport
@testable import HeraldWeb

/// `/admin/email` and `/api/v1/admin/email`: admins only; errors beside each field with what was typed kept (and
/// inert); the password never shown, a blank one keeping it; presets filling host, port and security; a test email
/// that arrives at the real test SMTP server (plain port: the admin's server is trusted without the allow-list);
/// and a connection test of an email destination without its own server going through the saved one.
struct SystemEmailPageTests {
    static let hostile = [#"<script>alert(1)</script>"#, #""><img src=x onerror=alert(1)>"#]

    func harness() async throws -> WebHarness {
        try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32),
                                                   deliveryRoot: (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-email-root"))
    }

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

    func expectInert(_ page: String, _ where: String) {
        #expect(!page.contains("<script>alert"), "\(`where`)")
        #expect(!page.contains("<img src=x"), "\(`where`)")
    }

    @Test func onlyAdminsReachTheEmailServer() async throws {
        let web = try await harness()
        let (alice, aliceCSRF) = try signedIn(web, "alice@example.org", .creator)
        let (victor, _) = try signedIn(web, "victor@example.org", .viewer)
        for browser in [alice, victor] {
            #expect(browser.request("GET", "/admin/email").status == .forbidden)
            #expect(browser.request("GET", "/api/v1/admin/email").status == .forbidden)
        }
        #expect(alice.request("PUT", "/api/v1/admin/email", json: #"{"host":"evil.example.org","security":"plain","from_address":"a@example.org"}"#,
                              headers: aliceCSRF).status == .forbidden)
        #expect(alice.request("POST", "/api/v1/admin/email/test", json: "{}", headers: aliceCSRF).status == .forbidden)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM system_email")[0].decode("n", as: Int.self) == 0)
        // The admin navigation links the page; others do not see the link.
        let (admin, _) = try signedIn(web, "admin@example.org", .admin)
        #expect(text(admin.request("GET", "/status")).contains(#"href="/admin/email""#))
        #expect(!text(alice.request("GET", "/status")).contains(#"href="/admin/email""#))
    }

    @Test func thePageSavesShowsErrorsAndNeverShowsThePassword() async throws {
        let web = try await harness()
        let (admin, _) = try signedIn(web, "admin@example.org", .admin)
        let page = admin.request("GET", "/admin/email")
        #expect(page.status == .ok)
        #expect(text(page).contains("No server is saved yet"))
        #expect(text(page).contains("Outlook / Office 365") && text(page).contains(#"data-host="smtp.gmail.com""#))
        let csrf = admin.csrfToken ?? ""

        // A preset fills host, port and security, and saves nothing.
        let preset = admin.request("POST", "/admin/email", form: [("csrf_token", csrf), ("preset", "Yahoo"), ("action", "preset"), ("host", ""),
                                                                  ("port", ""), ("security", "plain"), ("from_address", "")])
        #expect(preset.status == .ok)
        #expect(text(preset).contains(#"value="smtp.mail.yahoo.com""#) && text(preset).contains(#"value="465""#))
        #expect(text(preset).contains(#"<option value="tls" selected>"#))
        #expect(try web.store.query("SELECT count(*)::int AS n FROM system_email")[0].decode("n", as: Int.self) == 0)

        // Errors beside each field, what was typed kept and inert.
        let invalid = admin.request("POST", "/admin/email", form: [("csrf_token", csrf), ("preset", "custom"), ("action", "save"),
                                                                   ("host", Self.hostile[0]), ("port", "ninety"), ("security", "starttls"),
                                                                   ("from_address", Self.hostile[1]), ("from_name", "Herald\r\nBcc: x@example.org")])
        #expect(invalid.status == .unprocessableContent)
        let invalidText = text(invalid)
        #expect(invalidText.contains("<title>Error: "))
        for id in ["host-error", "port-error", "from_address-error", "from_name-error"] { #expect(invalidText.contains(#"id="\#(id)""#), "\(id)") }
        #expect(invalidText.contains(##"href="#port""##))
        #expect(invalidText.contains("&lt;script&gt;"))
        expectInert(invalidText, "errors")

        let canary = "pw-\(UUID().uuidString.prefix(8))"
        let saved = admin.request("POST", "/admin/email", form: [("csrf_token", csrf), ("preset", "custom"), ("action", "save"),
                                                                 ("host", "smtp.example.org"), ("port", "2525"), ("security", "starttls"),
                                                                 ("username", "herald"), ("password", canary), ("from_address", "herald@example.org"),
                                                                 ("from_name", Self.hostile.joined(separator: " "))])
        #expect(saved.status == .seeOther, "\(text(saved))")
        let shown = admin.request("GET", "/admin/email", query: "done=email-saved")
        #expect(shown.status == .ok)
        #expect(text(shown).contains("The SMTP server was saved"))
        #expect(text(shown).contains("A password is stored") && text(shown).contains(#"value="smtp.example.org""#))
        #expect(!text(shown).contains(canary))
        expectInert(text(shown), "saved")

        // A blank password keeps the stored one; "remove" clears it.
        let keyring = try web.app.settings.keyring()
        let service = SystemEmailService(connection: web.store, keyring: keyring)
        admin.request("POST", "/admin/email", form: [("csrf_token", csrf), ("preset", "custom"), ("action", "save"), ("host", "smtp.example.org"),
                                                     ("port", "2525"), ("security", "starttls"), ("username", "herald"), ("password", ""),
                                                     ("from_address", "herald@example.org")])
        #expect(try service.load()?.password == canary)
        admin.request("POST", "/admin/email", form: [("csrf_token", csrf), ("preset", "custom"), ("action", "save"), ("host", "smtp.example.org"),
                                                     ("port", "2525"), ("security", "starttls"), ("password", ""), ("remove_password", "on"),
                                                     ("from_address", "herald@example.org")])
        #expect(try service.load()?.password == nil)
        #expect(!text(admin.request("GET", "/admin/email")).contains("A password is stored"))
    }

    @Test func theAPISavesAndTheTestEmailArrives() async throws {
        let smtp = try DeliveryServers.smtp()
        let web = try await harness()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let adminEmail = "admin-\(tag)@example.org"
        let (admin, csrf) = try signedIn(web, adminEmail, .admin)
        let empty = try object(admin.request("GET", "/api/v1/admin/email"))
        #expect(empty["configured"] as? Bool == false && empty["host"] is NSNull && empty["password_set"] as? Bool == false)
        #expect(admin.request("POST", "/api/v1/admin/email/test", json: "{}", headers: csrf).status == .conflict)

        // An email destination without its own server: its connection test needs the admin's.
        let destination = try object(admin.request("POST", "/api/v1/destinations",
                                                   json: #"{"name":"Team","kind":"email","settings":{"to":["team@example.org"]}}"#, headers: csrf))
        let destinationID = try #require(destination["id"] as? String)
        let before = try object(admin.request("POST", "/api/v1/destinations/\(destinationID)/test", headers: csrf))
        #expect(before["ok"] as? Bool == false && (before["detail"] as? String ?? "").contains("/admin/email"), "\(before)")

        let bad = admin.request("PUT", "/api/v1/admin/email", json: #"{"host":"","port":0,"security":"ssl","from_address":"x","from_name":"a\u2028b"}"#, headers: csrf)
        #expect(bad.status == .unprocessableContent)
        #expect(bad.header("Content-Type") == "application/problem+json")
        let fields = Set(((try object(bad))["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["host", "port", "security", "from_address", "from_name"], "\(fields)")

        let canary = "pw-\(UUID().uuidString.prefix(8))"
        let put = admin.request("PUT", "/api/v1/admin/email", json: """
            {"host":"127.0.0.1","port":\(smtp.port),"security":"plain","username":null,"from_address":"herald@example.org","from_name":"Herald","password":"\(canary)"}
            """, headers: csrf)
        #expect(put.status == .ok, "\(text(put))")
        let got = admin.request("GET", "/api/v1/admin/email")
        let body = try object(got)
        #expect(body["configured"] as? Bool == true && body["host"] as? String == "127.0.0.1" && body["password_set"] as? Bool == true)
        #expect(body["port"] as? Int == smtp.port && body["security"] as? String == "plain")
        #expect(!text(got).contains(canary) && !text(put).contains(canary))

        // The test email, to a typed address, arrives; a bad address is a 422 naming `to`.
        let recipient = "test-\(tag)@example.org"
        let badTo = admin.request("POST", "/api/v1/admin/email/test", json: #"{"to":"not an address"}"#, headers: csrf)
        #expect(badTo.status == .unprocessableContent && text(badTo).contains(#""field":"to""#), "\(text(badTo))")
        let tested = try object(admin.request("POST", "/api/v1/admin/email/test", json: #"{"to":"\#(recipient)"}"#, headers: csrf))
        #expect(tested["ok"] as? Bool == true, "\(tested)")
        let message = try smtp.waitForMessage { $0.recipients == [recipient] }
        #expect(message.mailFrom == "herald@example.org")
        #expect(message.text.contains("Subject: Herald test email"))

        // From the page, to the signed-in admin when no address is typed: the outcome is shown in place.
        admin.request("GET", "/admin/email")
        let badPage = admin.request("POST", "/admin/email/test", form: [("csrf_token", admin.csrfToken ?? ""), ("to", Self.hostile[0])])
        #expect(badPage.status == .unprocessableContent)
        #expect(text(badPage).contains(#"id="to-error""#) && text(badPage).contains("&lt;script&gt;"))
        expectInert(text(badPage), "a bad test recipient")
        let page = admin.request("POST", "/admin/email/test", form: [("csrf_token", admin.csrfToken ?? ""), ("to", "")])
        #expect(page.status == .ok)
        #expect(text(page).contains("Test email sent"), "\(text(page))")
        #expect(!text(page).contains(canary))
        _ = try smtp.waitForMessage { $0.recipients == [adminEmail] && $0.text.contains("Herald test email") }

        // The destination's connection test now goes through the admin's server.
        let after = try object(admin.request("POST", "/api/v1/destinations/\(destinationID)/test", headers: csrf))
        #expect(after["ok"] as? Bool == true, "\(after)")

        // A server that refuses the connection: the failing step, never the password.
        try SystemEmailService(connection: web.store, keyring: try web.app.settings.keyring()).save(SystemEmailService.Input(
            host: "127.0.0.1", port: "1", security: "plain", fromAddress: "herald@example.org"), actor: .commandLine)
        let failed = admin.request("POST", "/api/v1/admin/email/test", json: "{}", headers: csrf)
        let failure = try object(failed)
        #expect(failure["ok"] as? Bool == false && failure["category"] is String, "\(failure)")
        #expect(!text(failed).contains(canary))
    }
}
