import Foundation
import HeraldCore
import HeraldStore
import Testing
import TestSupport
@testable import HeraldWeb

/// `/artifacts/:id/download` → a signed `/downloads/:id` link → `X-Accel-Redirect` for nginx.
struct ArtifactDownloadTests {
    static let key = Array(repeating: UInt8(3), count: 32)

    @Test func aSignedInDownloadIsAuditedAndRedirectsToASignedLinkThatNginxServes() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let run = try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "succeeded", at: Date())
        let file = try fx.artifact(execution: run, fileName: "Sales \"Q4\" é.csv")
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let redirect = browser.request("GET", "/artifacts/\(file.uuidString.lowercased())/download")
        #expect(redirect.status == .seeOther)
        let location = try #require(redirect.header("Location"))
        #expect(location.hasPrefix("/downloads/\(file.uuidString.lowercased())?expires="))
        let audit = try web.store.query("SELECT actor_label, subject_id, details->>'execution_id' AS run FROM audit_log WHERE action = 'artifact.download'")
        #expect(audit.count == 1)
        #expect(try audit[0].decode("actor_label", as: String.self) == "ada@example.org")
        #expect(try audit[0].decode("subject_id", as: String.self) == file.uuidString.lowercased())
        #expect(try audit[0].decode("run", as: String.self) == run.uuidString.lowercased())

        // The link works without a session (it is the authorization), until it expires.
        let (path, query) = Self.split(location)
        let served = web.respond("GET", path, query: query)
        #expect(served.status == .ok)
        #expect(served.header("X-Accel-Redirect") == "/_artifacts/2026/12/02/\(file.uuidString.lowercased())-tok.csv")
        #expect(served.header("Content-Disposition") == #"attachment; filename="Sales _Q4_ _.csv"; filename*=UTF-8''Sales%20%22Q4%22%20%C3%A9.csv"#)
        #expect(served.header("Content-Type") == "text/csv; charset=utf-8")
        #expect(served.body.isEmpty)
    }

    @Test func aTamperedOrExpiredLinkIsRefusedAndServesNothing() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let run = try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "succeeded", at: Date())
        let file = try fx.artifact(execution: run)
        let other = try fx.artifact(execution: run)
        let good = ArtifactLink.issue(for: file, key: Self.key)
        let expired = ArtifactLink(artifactID: file, expires: Int64(Date().timeIntervalSince1970) - 1, key: Self.key)
        let id = file.uuidString.lowercased()
        let flipped = String(good.signature.prefix(63)) + (good.signature.hasSuffix("0") ? "1" : "0")
        let attempts = [
            "/downloads/\(id)?expires=\(good.expires)&sig=\(flipped)",
            "/downloads/\(id)?expires=\(good.expires + 3600)&sig=\(good.signature)",
            "/downloads/\(other.uuidString.lowercased())?expires=\(good.expires)&sig=\(good.signature)",
            expired.path,
            "/downloads/\(id)?expires=\(good.expires)",
            "/downloads/\(id)",
            ArtifactLink.issue(for: file, key: Array(repeating: 4, count: 32)).path,
        ]
        for attempt in attempts {
            let (path, query) = Self.split(attempt)
            let response = web.respond("GET", path, query: query)
            #expect(response.status == .forbidden, "\(attempt)")
            #expect(response.header("X-Accel-Redirect") == nil)
        }
        let (path, query) = Self.split(good.path)
        #expect(web.respond("GET", path, query: query).header("X-Accel-Redirect") != nil)
        // A correctly signed link to a file whose row is gone is a 404.
        try web.store.execute("DELETE FROM artifacts WHERE id = \(file)")
        #expect(web.respond("GET", path, query: query).status == .notFound)
    }

    @Test func anExpiredArtifactIsNotOfferedNorServed() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let run = try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "succeeded", at: Date())
        let file = try fx.artifact(execution: run)
        let link = ArtifactLink.issue(for: file, key: Self.key)
        try web.store.execute("UPDATE artifacts SET expires_at = now() - interval '1 minute' WHERE id = \(file)")
        let browser = web.browser()
        browser.signIn("ada@example.org")
        #expect(browser.request("GET", "/artifacts/\(file.uuidString.lowercased())/download").status == .notFound)
        let (path, query) = Self.split(link.path)
        let served = web.respond("GET", path, query: query)
        #expect(served.status != .ok)
        #expect(served.header("X-Accel-Redirect") == nil)
    }

    @Test func aStoragePathOutsideTheArtifactsFolderIsNeverHandedToNginx() {
        #expect(ArtifactRoutes.accelPath("artifacts/2026/12/02/a-b.csv") == "/_artifacts/2026/12/02/a-b.csv")
        for path in ["artifacts/../secrets", "/etc/passwd", "deliveries/x.csv", "artifacts//x", "artifacts/a b.csv", "artifacts/", "artifacts/./x"] {
            #expect(ArtifactRoutes.accelPath(path) == nil, "\(path)")
        }
    }

    @Test func theAPIGivesAnAbsoluteSignedLink() async throws {
        let web = try await WebHarness(settings: WebSettings(secretKey: Self.key, baseURL: "https://herald.example.org/"))
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let file = try fx.artifact(execution: try fx.execution(schedule: try fx.schedule(owner: ada.id), status: "succeeded", at: Date()))
        let token = try AccountService(connection: web.store).createToken(email: "ada@example.org", name: "ci", actor: "test").token
        let response = web.respond("GET", "/api/v1/artifacts/\(file.uuidString.lowercased())/link", headers: ["Authorization": "Bearer \(token)"])
        #expect(response.status == .ok)
        struct Link: Decodable { let url: String; let expires_at: String }
        let link = try JSONDecoder().decode(Link.self, from: Data(response.body))
        #expect(link.url.hasPrefix("https://herald.example.org/downloads/\(file.uuidString.lowercased())?expires="))
        let expires = try #require(UTCInstant.parse(link.expires_at))
        #expect(abs(Double(expires) - Date().timeIntervalSince1970 - Double(ArtifactLink.lifetimeSeconds)) < 60)
        let (path, query) = Self.split(String(link.url.dropFirst("https://herald.example.org".count)))
        #expect(web.respond("GET", path, query: query).status == .ok)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'artifact.download'")[0].decode("n", as: Int.self) == 1)
    }

    static func split(_ location: String) -> (String, String) {
        let parts = location.split(separator: "?", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : "")
    }
}
