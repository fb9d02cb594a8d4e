import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// Sign-in, sessions, CSRF and bearer tokens through the whole pipeline, against real PostgreSQL and Redis.
struct WebSessionTests {
    @Test func signingInSetsAHardenedCookieWithANewIdEachTimeAndSigningOutEndsIt() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .creator)
        let browser = web.browser()
        let first = browser.signIn("ada@example.org")
        #expect(first.status == .seeOther)
        #expect(first.header("Location") == "/status")
        let cookie = try #require(first.headers.first { $0.0 == "Set-Cookie" && $0.1.hasPrefix(SessionCookie.name + "=") }?.1)
        for flag in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] { #expect(cookie.contains(flag)) }
        let firstID = try #require(browser.cookies[SessionCookie.name])
        #expect(browser.request("GET", "/status").status == .ok)
        #expect(text(browser.request("GET", "/status")).contains("ada@example.org"))

        // A session id planted before sign-in (fixation) is replaced, and the planted one ends.
        let planted = web.browser()
        planted.cookies[SessionCookie.name] = firstID
        planted.request("GET", "/login", headers: [:])
        let other = web.browser()
        other.request("GET", "/login")
        planted.cookies[AccountRoutes.loginCookie] = other.cookies[AccountRoutes.loginCookie]
        planted.request("POST", "/login", form: [("email", "ada@example.org"), ("password", WebHarness.password),
                                                 ("login_token", other.hidden("login_token") ?? "")])
        let secondID = try #require(planted.cookies[SessionCookie.name])
        #expect(secondID != firstID)
        let stale = web.browser()
        stale.cookies[SessionCookie.name] = firstID
        #expect(stale.request("GET", "/status").status == .seeOther)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM sessions")[0].decode("n", as: Int.self) == 1)

        planted.request("GET", "/status")
        let out = planted.request("POST", "/logout", form: [("csrf_token", planted.csrfToken ?? "")])
        #expect(out.header("Location") == "/login?done=signed-out")
        let replay = web.browser()
        replay.cookies[SessionCookie.name] = secondID
        #expect(replay.request("GET", "/status").status == .seeOther)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM sessions")[0].decode("n", as: Int.self) == 0)
    }

    @Test func unknownUsersAndWrongPasswordsGetTheSameAnswer() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        let wrong = web.browser().signIn("ada@example.org", password: "not the password")
        let unknown = web.browser().signIn("nobody@example.org", password: "not the password")
        #expect(wrong.status == .unauthorized)
        #expect(unknown.status == wrong.status)
        func page(_ response: HTTPResponse) -> String {
            text(response).replacingOccurrences(of: #"value="[^"]*""#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #"Request [0-9a-f]+"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: "nobody@example.org", with: "ada@example.org")
        }
        #expect(page(wrong) == page(unknown))
        #expect(text(wrong).contains("The e-mail or the password is wrong."))
    }

    @Test func repeatedFailuresLockTheAccountForAWhile() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        for _ in 0..<6 { web.browser().signIn("ada@example.org", password: "guess") }
        // Now even the right password waits.
        let locked = web.browser().signIn("ada@example.org")
        #expect(locked.status == .tooManyRequests)
        #expect(Int(locked.header("Retry-After") ?? "") ?? 0 >= 1)
    }

    @Test func theLoginFormNeedsItsOwnToken() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        let forged = web.browser().request("POST", "/login", form: [("email", "ada@example.org"), ("password", WebHarness.password)])
        #expect(forged.status == .forbidden)
        #expect(!forged.headers.contains { $0.1.hasPrefix(SessionCookie.name + "=") && !$0.1.contains("Max-Age=0") })
    }

    @Test func stateChangesWithTheCookieNeedTheSessionsCSRFToken() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        let browser = web.browser()
        browser.signIn("ada@example.org")
        browser.request("GET", "/status")
        let token = try #require(browser.csrfToken)
        #expect(browser.request("POST", "/logout", form: []).status == .forbidden)
        #expect(browser.request("POST", "/logout", form: [("csrf_token", "x" + token)]).status == .forbidden)
        // Still signed in: the refused requests changed nothing.
        #expect(browser.request("GET", "/status").status == .ok)
        #expect(browser.request("POST", "/logout", headers: ["X-CSRF-Token": token]).status == .seeOther)
    }

    @Test func anIdleSessionExpires() async throws {
        let web = try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32),
                                                              session: SessionService.Settings(idleSeconds: 60, absoluteSeconds: 3600)))
        try web.addUser("ada@example.org", role: .viewer)
        let browser = web.browser()
        browser.signIn("ada@example.org")
        #expect(browser.request("GET", "/status").status == .ok)
        try web.store.execute("UPDATE sessions SET last_seen_at = now() - interval '61 seconds'")
        #expect(browser.request("GET", "/status").status == .seeOther)
        #expect(browser.cookies[SessionCookie.name] == nil)
        // The absolute end holds however busy the session is.
        browser.signIn("ada@example.org")
        try web.store.execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
        #expect(browser.request("GET", "/status").status == .seeOther)
    }

    @Test func bearerTokensWorkUntilTheirUserIsDisabledOrChangesPassword() async throws {
        let web = try await WebHarness()
        let user = try web.addUser("ada@example.org", role: .viewer)
        let token = try AccountService(connection: web.store).createToken(email: "ada@example.org", name: "ci", actor: "test").token
        #expect(web.respond("GET", "/status", headers: ["Authorization": "Bearer \(token)"]).status == .ok)
        let bad = web.respond("GET", "/status", headers: ["Authorization": "Bearer hrld_wrong"])
        #expect(bad.status == .unauthorized)
        try SessionService(connection: web.store).endSessions(userID: user.id)
        #expect(web.respond("GET", "/status", headers: ["Authorization": "Bearer \(token)"]).status == .unauthorized)
        let second = try AccountService(connection: web.store).createToken(email: "ada@example.org", name: "ci", actor: "test").token
        try web.store.execute("UPDATE users SET disabled_at = now()")
        #expect(web.respond("GET", "/status", headers: ["Authorization": "Bearer \(second)"]).status == .unauthorized)
    }

    @Test func signInOnlyRedirectsWithinTheSite() {
        #expect(AccountRoutes.safeNext("/schedules/1?x=2") == "/schedules/1?x=2")
        for evil in ["//evil.example", "https://evil.example", "/\\evil.example", nil, "javascript:alert(1)"] {
            #expect(AccountRoutes.safeNext(evil) == "/schedules")
        }
    }

    @Test func aSignedInUsersNotFoundPageShowsTheNavigation() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .creator)
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let missing = browser.request("GET", "/nowhere/at/all")
        #expect(missing.status == .notFound)
        #expect(text(missing).contains(#"href="/schedules""#))
        #expect(text(missing).contains("ada@example.org"))
    }
}
