import Foundation
import HeraldCore
import Testing
@testable import HeraldWeb

/// The weekly summary opt-out on `/account`: on by default, the checkbox form (with its CSRF token) turns it off and
/// on again, and `GET /api/v1/me` says which.
struct WeeklySummaryAccountTests {
    func weeklySummary(_ browser: WebHarness.Browser) throws -> Bool? {
        let response = browser.request("GET", "/api/v1/me")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return object["weekly_summary"] as? Bool
    }

    @Test func theAccountCheckboxTurnsTheWeeklySummaryOffAndTheAPIShowsIt() async throws {
        let web = try await WebHarness()
        try web.addUser("grace@example.org", role: .creator)
        let browser = web.browser()
        browser.signIn("grace@example.org")
        browser.request("GET", "/account")
        #expect(browser.lastPage.contains("Email me a weekly summary"))
        #expect(browser.lastPage.contains(#"name="weekly_summary" value="on" checked"#))
        #expect(try weeklySummary(browser) == true)

        // Without the CSRF token nothing changes.
        let forged = browser.request("POST", "/account/weekly-summary", form: [("csrf_token", "nope")])
        #expect(forged.status == .forbidden)
        #expect(try weeklySummary(browser) == true)

        browser.request("GET", "/account")
        let off = browser.request("POST", "/account/weekly-summary", form: [("csrf_token", browser.csrfToken ?? "")])
        #expect(off.header("Location") == "/account?done=weekly-summary")
        browser.request("GET", "/account", query: "done=weekly-summary")
        #expect(browser.lastPage.contains(#"name="weekly_summary" value="on">"#))
        #expect(browser.lastPage.contains("Your weekly summary choice was saved."))
        #expect(try weeklySummary(browser) == false)

        let on = browser.request("POST", "/account/weekly-summary", form: [("csrf_token", browser.csrfToken ?? ""), ("weekly_summary", "on")])
        #expect(on.header("Location") == "/account?done=weekly-summary")
        #expect(try weeklySummary(browser) == true)
    }
}
