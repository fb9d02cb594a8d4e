import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldWeb

/// `/api/v1/auth`, `/api/v1/me` and `/api/v1/users` through the whole pipeline.
struct UserAPITests {
    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func issue(_ web: WebHarness, _ email: String, password: String = WebHarness.password, name: String = "ci") -> HTTPResponse {
        let body = try! JSONSerialization.data(withJSONObject: ["email": email, "password": password, "name": name])
        return web.respond("POST", "/api/v1/auth/token", headers: ["Content-Type": "application/json"], body: String(decoding: body, as: UTF8.self))
    }

    @Test func aPasswordExchangeIssuesATokenShownOnceThatWorksUntilRevoked() async throws {
        let web = try await WebHarness()
        let user = try web.addUser("ada@example.org", role: .creator)
        let issued = issue(web, "ada@example.org", name: #"<script>alert(1)</script>"#)
        #expect(issued.status == .created)
        let body = try json(issued)
        let token = try #require(body["token"] as? String)
        #expect(body["expires_at"] is String)
        let auth = ["Authorization": "Bearer \(token)"]
        let me = try json(web.respond("GET", "/api/v1/me", headers: auth))
        #expect(me["email"] as? String == "ada@example.org")
        #expect(me["role"] as? String == "creator")
        #expect(me["time_zone"] as? String == "UTC")
        #expect(me["id"] as? String == user.id.uuidString)
        let listed = web.respond("GET", "/api/v1/auth/tokens", headers: auth)
        #expect(!text(listed).contains(token))
        let items = try #require(try json(listed)["items"] as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items[0]["last_used_at"] is String)
        #expect(items[0]["name"] as? String == "<script>alert(1)</script>")
        #expect(Set(items[0].keys) == ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"])
        let id = try #require(items[0]["id"] as? String)
        #expect(web.respond("DELETE", "/api/v1/auth/tokens/\(UUID().uuidString)", headers: auth).status == .notFound)
        #expect(web.respond("DELETE", "/api/v1/auth/tokens/\(id)", headers: auth).status == .noContent)
        let revoked = web.respond("GET", "/api/v1/me", headers: auth)
        #expect(revoked.status == .unauthorized)
        #expect(revoked.header("Content-Type") == "application/problem+json")
    }

    @Test func unknownUsersAndWrongPasswordsGetTheSameAnswerAndRepeatedFailuresAreThrottled() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .viewer)
        let wrong = issue(web, "ada@example.org", password: "not the password")
        let unknown = issue(web, "nobody@example.org", password: "not the password")
        #expect(wrong.status == .unauthorized)
        #expect(unknown.status == .unauthorized)
        #expect(wrong.body == unknown.body)
        #expect(wrong.headers.filter { $0.0 != "X-Request-Id" }.map(\.0) == unknown.headers.filter { $0.0 != "X-Request-Id" }.map(\.0))
        // The login form and the API share the account's counter.
        for _ in 0..<3 { web.browser().signIn("ada@example.org", password: "guess") }
        for _ in 0..<3 { issue(web, "ada@example.org", password: "guess") }
        let throttled = issue(web, "ada@example.org")
        #expect(throttled.status == .tooManyRequests)
        #expect(Int(throttled.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(try json(throttled)["status"] as? Int == 429)
        #expect(try web.store.query("SELECT count(*)::int AS n FROM api_tokens")[0].decode("n", as: Int.self) == 0)
    }

    @Test func adminsManageUsersThroughTheAPIAndOthersGet403() async throws {
        let web = try await WebHarness()
        try web.addUser("root@example.org", role: .admin)
        try web.addUser("cara@example.org", role: .creator)
        try web.addUser("vic@example.org", role: .viewer)
        let admin = ["Authorization": "Bearer \(try #require(try json(issue(web, "root@example.org"))["token"] as? String))",
                     "Content-Type": "application/json"]
        for email in ["cara@example.org", "vic@example.org"] {
            let token = try #require(try json(issue(web, email))["token"] as? String)
            let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            #expect(web.respond("GET", "/api/v1/users", headers: auth).status == .forbidden)
            #expect(web.respond("POST", "/api/v1/users", headers: auth, body: #"{"email":"x@example.org","role":"admin"}"#).status == .forbidden)
            #expect(web.respond("PATCH", "/api/v1/users/\(UUID())", headers: auth, body: #"{"role":"admin"}"#).status == .forbidden)
            #expect(web.respond("DELETE", "/api/v1/users/\(UUID())", headers: auth).status == .forbidden)
        }
        #expect(try web.store.query("SELECT count(*)::int AS n FROM users")[0].decode("n", as: Int.self) == 3)

        let created = web.respond("POST", "/api/v1/users", headers: admin,
                                  body: #"{"email":"new@example.org","display_name":"\"><img src=x onerror=alert(1)>","role":"viewer","time_zone":"Europe/Berlin"}"#)
        #expect(created.status == .created)
        let user = try json(created)
        let id = try #require(user["id"] as? String)
        #expect((user["generated_password"] as? String)?.count ?? 0 >= 20)
        #expect(user["disabled"] as? Bool == false)
        #expect(created.header("Location") == "/api/v1/users/\(id.lowercased())")
        let invalid = web.respond("POST", "/api/v1/users", headers: admin, body: #"{"email":"bad","role":"viewer","time_zone":"Nowhere/Land","password":"x"}"#)
        #expect(invalid.status == .unprocessableContent)
        let fields = try #require(try json(invalid)["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String }
        #expect(Set(fields) == ["email", "time_zone", "password"])
        #expect(web.respond("POST", "/api/v1/users", headers: admin, body: #"{"email":"new@example.org","role":"viewer"}"#).status == .unprocessableContent)

        let patched = try json(web.respond("PATCH", "/api/v1/users/\(id)", headers: admin, body: #"{"role":"creator"}"#))
        #expect(patched["role"] as? String == "creator")
        #expect(patched["time_zone"] as? String == "Europe/Berlin")
        let put = web.respond("PUT", "/api/v1/users/\(id)", headers: admin, body: #"{"display_name":"N","role":"viewer","time_zone":"UTC","disabled":true}"#)
        #expect(try json(put)["disabled"] as? Bool == true)
        let partial = web.respond("PUT", "/api/v1/users/\(id)", headers: admin, body: #"{"role":"viewer"}"#)
        #expect(partial.status == .unprocessableContent)
        #expect(try #require(try json(partial)["errors"] as? [[String: Any]]).first?["field"] as? String == "display_name")
        #expect(web.respond("GET", "/api/v1/users/\(UUID())", headers: admin).status == .notFound)
        #expect(web.respond("GET", "/api/v1/users/not-an-id", headers: admin).status == .notFound)
        let rootID = try web.store.query("SELECT id FROM users WHERE email = 'root@example.org'")[0].decode("id", as: UUID.self)
        #expect(web.respond("DELETE", "/api/v1/users/\(rootID)", headers: admin).status == .conflict)
        let caraID = try web.store.query("SELECT id FROM users WHERE email = 'cara@example.org'")[0].decode("id", as: UUID.self)
        #expect(web.respond("DELETE", "/api/v1/users/\(caraID)", headers: admin).status == .noContent)

        let first = try json(web.respond("GET", "/api/v1/users", query: "limit=2", headers: admin))
        #expect((first["items"] as? [[String: Any]])?.count == 2)
        let cursor = try #require(first["next_cursor"] as? String)
        let second = try json(web.respond("GET", "/api/v1/users", query: "limit=2&cursor=\(cursor)", headers: admin))
        #expect((second["items"] as? [[String: Any]])?.compactMap { $0["email"] as? String } == ["root@example.org", "vic@example.org"])
        #expect(second["next_cursor"] is NSNull)
        #expect(!text(web.respond("GET", "/api/v1/users", headers: admin)).contains("argon2"))
        let actions = try web.store.query("SELECT action FROM audit_log WHERE actor_label = 'root@example.org' ORDER BY id").map { try $0.decode("action", as: String.self) }
        #expect(actions == ["token.create", "user.create", "user.role", "user.update", "user.time_zone", "user.role", "user.disable", "user.disable"])
    }
}
