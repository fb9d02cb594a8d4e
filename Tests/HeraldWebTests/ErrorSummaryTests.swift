import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

/// Every form page's error summary (GOV.UK pattern): "There is a problem" above the h1, each message a link to the
/// input of its field (a group's first input), on this page or on the wizard step that asks for the field.
struct ErrorSummaryTests {
    /// The summary's links and texts, in order.
    static func summary(_ page: String) -> [(href: String, message: String)] {
        guard let start = page.range(of: #"<div class="error-summary""#),
              let end = page.range(of: "</div>", range: start.upperBound..<page.endIndex) else { return [] }
        let box = String(page[start.lowerBound..<end.lowerBound])
        let link = try! Regex(#"<a href="([^"]+)">([^<]*)</a>"#)
        return box.matches(of: link).map { match in
            (String(match.output[1].substring!).replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(of: "&#47;", with: "/"),
             String(match.output[2].substring!))
        }
    }

    /// The summary lists exactly `fields`' links, each leading to an input (or, for `field-…`, a field's box) that
    /// exists where it points; the summary comes before the page's h1.
    @discardableResult
    static func expectLinks(_ page: String, _ hrefs: [String], browser: WebHarness.Browser,
                            sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let items = summary(page)
        #expect(items.map(\.href) == hrefs, sourceLocation: sourceLocation)
        if let box = page.range(of: #"class="error-summary""#), let heading = page.range(of: "<h1") {
            #expect(box.lowerBound < heading.lowerBound, "the summary comes before the h1", sourceLocation: sourceLocation)
        } else {
            Issue.record("no error summary or no h1", sourceLocation: sourceLocation)
        }
        for item in items {
            let parts = item.href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            let target = parts[0].isEmpty ? page : text(browser.request("GET", String(parts[0])))
            let id = String(parts.count > 1 ? parts[1] : "")
            let element = id.hasPrefix("field-") ? #"<div[^>]*\sid="\#(id)""# : #"<(input|select|textarea)[^>]*\sid="\#(id)""#
            #expect(target.contains(try! Regex(element)), "\(item.href) leads to no input", sourceLocation: sourceLocation)
        }
        return items.map(\.message)
    }

    @Test func accountAndAdminPagesLinkEachMessageToItsInput() async throws {
        let web = try await WebHarness()
        try web.addUser("root@example.org", role: .admin)
        let other = try web.addUser("vic@example.org", role: .viewer)
        let b = web.browser()
        b.signIn("root@example.org")

        b.request("GET", "/account")
        let password = b.request("POST", "/account/password", form: [("csrf_token", b.csrfToken ?? ""), ("current_password", "nope"),
                                                                     ("new_password", "short")])
        #expect(password.status == .unprocessableContent)
        let messages = Self.expectLinks(text(password), ["#current_password", "#new_password"], browser: b)
        #expect(messages.first == "Current password is not your current password")
        #expect(messages.last?.hasPrefix("New password must be at least 8 characters") == true)
        b.request("GET", "/account")
        Self.expectLinks(text(b.request("POST", "/account/tokens", form: [("csrf_token", b.csrfToken ?? ""), ("name", ""),
                                                                           ("expires_in_days", "90")])), ["#name"], browser: b)
        b.request("GET", "/account")
        let zone = b.request("POST", "/account/time-zone", form: [("csrf_token", b.csrfToken ?? ""), ("time_zone", "Mars/Base")])
        #expect(Self.expectLinks(text(zone), ["#time_zone"], browser: b) == ["Mars/Base is not a known IANA time zone (such as Europe/Berlin)"])

        b.request("GET", "/admin/users/new")
        let added = b.request("POST", "/admin/users", form: [("csrf_token", b.csrfToken ?? ""), ("email", "not an address"), ("time_zone", "UTC")])
        #expect(added.status == .unprocessableContent)
        Self.expectLinks(text(added), ["#role-viewer"], browser: b)
        let badEmail = b.request("POST", "/admin/users", form: [("csrf_token", b.csrfToken ?? ""), ("email", "not an address"), ("role", "viewer"),
                                                                ("time_zone", "UTC"), ("password", "short")])
        Self.expectLinks(text(badEmail), ["#email", "#password"], browser: b)

        let userPath = "/admin/users/\(other.id.uuidString.lowercased())"
        b.request("GET", userPath)
        Self.expectLinks(text(b.request("POST", userPath + "/password", form: [("csrf_token", b.csrfToken ?? ""), ("password", "short")])),
                         ["#password"], browser: b)

        let audit = b.request("GET", "/admin/audit", query: "from=soon&to=later")
        #expect(Self.expectLinks(text(audit), ["#from", "#to"], browser: b).first == "From must be a date such as 2026-03-29")
    }

    @Test func catalogFormsLinkEachMessageToItsInput() async throws {
        let web = try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32),
                                                             deliveryRoot: (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-summary-root"))
        try web.addUser("root@example.org", role: .admin)
        let b = web.browser()
        b.signIn("root@example.org")

        b.request("GET", "/datasources/new")
        let source = b.request("POST", "/datasources", form: [("csrf_token", b.csrfToken ?? ""), ("name", ""), ("url", "mysql://x"),
                                                              ("statement_timeout_ms", "5"), ("max_concurrency", "0")])
        #expect(source.status == .unprocessableContent)
        Self.expectLinks(text(source), ["#name", "#url", "#statement_timeout_ms", "#max_concurrency"], browser: b)

        b.request("GET", "/reports/new")
        let report = b.request("POST", "/reports", form: [("csrf_token", b.csrfToken ?? ""), ("name", ""), ("data_source_id", ""),
                                                          ("sql", ""), ("max_duration_seconds", "soon")])
        let reportMessages = Self.expectLinks(text(report), ["#name", "#data_source_id", "#sql", "#max_duration_seconds"], browser: b)
        #expect(reportMessages.contains("Choose a data source") && reportMessages.contains("Enter the query"))

        b.request("GET", "/destinations/new")
        let destination = b.request("POST", "/destinations", form: [("csrf_token", b.csrfToken ?? ""), ("name", "x"), ("kind", "folder"),
                                                                    ("path", "../etc")])
        #expect(Self.expectLinks(text(destination), ["#path"], browser: b).first?.hasPrefix("Sub-folder ") == true)
    }

    @Test func schedulePagesLinkEachMessageToItsInputOnTheStepThatAsksForIt() async throws {
        let f = try await ScheduleWebFixture()
        let b = f.web.browser()
        b.signIn("ada@example.org")

        let path = "/schedules/\(try f.createSchedule().id.uuidString.lowercased())"
        b.request("GET", path)
        let share = b.request("POST", path + "/shares", form: [("csrf_token", b.csrfToken ?? ""), ("email", "nobody@example.org")])
        #expect(Self.expectLinks(text(share), ["#share-email"], browser: b) == ["No user has the e-mail nobody@example.org"])

        b.request("GET", "/schedules/new")
        let report = b.request("POST", "/schedules/new", form: [("csrf_token", b.csrfToken ?? ""), ("name", "Morning")])
        #expect(report.status == .unprocessableContent)
        // The first report's radio (ada has one report).
        Self.expectLinks(text(report), ["#report-\(f.report.uuidString.lowercased())"], browser: b)
        let base = try #require(b.lastPage.range(of: #"action="/schedules/new/[^"/]+"#, options: .regularExpression)
            .map { String(b.lastPage[$0].dropFirst(8)) })

        b.request("GET", base + "/frequency")
        let frequency = b.request("POST", base + "/frequency", form: [("csrf_token", b.csrfToken ?? ""), ("kind", "daily"), ("time", "25:00"),
                                                                      ("time_zone", "Europe/Berlin"), ("jitter_seconds", "-1")])
        #expect(frequency.status == .unprocessableContent)
        // No policy chosen: the radio groups' first inputs.
        Self.expectLinks(text(frequency), ["#time", "#misfire-skip", "#overlap-skip", "#jitter_seconds"], browser: b)

        // The review step lists every field's error, each linking to the step that asks for it.
        let review = b.request("POST", base + "/review", form: [("csrf_token", b.csrfToken ?? ""), ("action", "activate")])
        #expect(review.status == .unprocessableContent)
        let hrefs = Self.summary(text(review)).map(\.href)
        #expect(hrefs.contains(base + "/report#report-\(f.report.uuidString.lowercased())"))
        #expect(hrefs.contains(base + "/frequency#time") && hrefs.contains(base + "/frequency#misfire-skip"))
        #expect(hrefs.contains(base + "/distribution#destination-\(f.folder.uuidString.lowercased())"))
        Self.expectLinks(text(review), hrefs, browser: b)
    }
}
