import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// The destination forms as a browser posts them: the kinds offered as tabs on a new destination, an email
/// destination without its own server saved as one that uses the admin's, and a secret that the edit page never
/// shows, that a blank field keeps and a ticked box removes.
struct DestinationPageTests {
    static let root = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-pages-root"

    @Test func formsSaveEachKindAndKeepSecretsWriteOnly() async throws {
        try FileManager.default.createDirectory(atPath: Self.root, withIntermediateDirectories: true)
        let web = try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32), deliveryRoot: Self.root))
        try web.addUser("owner@example.org", role: .creator)
        let browser = web.browser()
        browser.signIn("owner@example.org")
        let new = text(browser.request("GET", "/destinations/new", query: "kind=email"))
        #expect(new.contains(#"href="/destinations/new?kind=sftp""#) && new.contains(#"name="settings.to""#), "\(new.suffix(4000))")

        let email = browser.request("POST", "/destinations", form: [
            ("csrf_token", browser.csrfToken ?? ""), ("kind", "email"), ("name", "Sales team"),
            ("settings.to", "a@example.org, b@example.org"), ("settings.attach", "attachments"), ("settings.smtp.security", "starttls")])
        #expect(email.status == .seeOther, "\(text(email))")
        let stored: String = try web.store.query("SELECT settings::text AS s FROM destinations WHERE name = 'Sales team'")[0].decode("s")
        #expect(stored.contains(#""to": ["a@example.org", "b@example.org"]"#) && !stored.contains("smtp"), "\(stored)")

        let password = "pw-\(UUID().uuidString.prefix(8))"
        let sftp = browser.request("POST", "/destinations", form: [
            ("csrf_token", browser.csrfToken ?? ""), ("kind", "sftp"), ("name", "Drop"), ("settings.host", "sftp.example.org"),
            ("settings.port", "2222"), ("settings.username", "herald"), ("settings.if_exists", "timestamp"), ("secrets.password", password)])
        #expect(sftp.status == .seeOther, "\(text(sftp))")
        let id: UUID = try web.store.query("SELECT id FROM destinations WHERE name = 'Drop'")[0].decode("id")
        let edit = text(browser.request("GET", "/destinations/\(id.uuidString)"))
        #expect(edit.contains("A value is stored") && !edit.contains(password) && !edit.contains("kind-tabs"))
        #expect(edit.contains(#"value="2222""#))
        func fields() throws -> String { try web.store.query("SELECT array_to_string(secret_fields, ',') AS f FROM destinations WHERE id = \(id)")[0].decode("f") }
        // Saved again with the password field blank: the password is kept.
        let kept = browser.request("POST", "/destinations/\(id.uuidString)", form: [
            ("csrf_token", browser.csrfToken ?? ""), ("name", "Drop"), ("settings.host", "sftp.example.org"), ("settings.username", "herald"),
            ("secrets.password", "")])
        #expect(kept.status == .seeOther)
        #expect(try fields() == "password")
        // Removing the only credential is refused beside the field; nothing changes.
        let refused = browser.request("POST", "/destinations/\(id.uuidString)", form: [
            ("csrf_token", browser.csrfToken ?? ""), ("name", "Drop"), ("settings.host", "sftp.example.org"), ("settings.username", "herald"),
            ("secrets.password.remove", "on")])
        #expect(refused.status == .unprocessableContent && text(refused).contains(#"id="secrets-password-error""#))
        #expect(try fields() == "password")
    }
}
