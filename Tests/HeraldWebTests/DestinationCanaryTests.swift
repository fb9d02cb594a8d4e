import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Redis
import Testing
import TestSupport
@testable import HeraldWeb

/// A canary secret stored in every kind of destination, in every secret field, never comes back: not in an API
/// response, a page (list, edit form, a failed save, a connection test's answer), the audit log, the stored rows or
/// a Redis value.
struct DestinationCanaryTests {
    static let root = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-canary-root"

    /// Settings that pass each kind's checks, and every secret field of the kind.
    static let kinds: [(kind: String, settings: String)] = [
        ("email", #"{"to":["a@example.org"],"smtp":{"host":"127.0.0.1","port":2525,"security":"plain","username":"u","from_address":"h@example.org"}}"#),
        ("sftp", #"{"host":"127.0.0.1","port":2222,"username":"u","path":"/up"}"#),
        ("ftp", #"{"host":"127.0.0.1","port":2121,"username":"u","tls":"explicit"}"#),
        ("s3", #"{"bucket":"reports","region":"us-east-1","endpoint":"http://127.0.0.1:9000","path_style":true}"#),
        ("gcs", #"{"bucket":"reports","region":"auto","endpoint":"https://storage.googleapis.com"}"#),
        ("azure", #"{"container_url":"https://acct.blob.core.windows.net/reports"}"#),
        ("webhook", #"{"preset":"slack","auth":"bearer"}"#),
    ]

    @Test func aCanaryInEveryKindsSecretsNeverComesBack() async throws {
        try FileManager.default.createDirectory(atPath: Self.root, withIntermediateDirectories: true)
        let web = try await WebHarness(settings: WebSettings(secretKey: Array(repeating: 3, count: 32), deliveryRoot: Self.root))
        try web.addUser("owner@example.org", role: .creator)
        let browser = web.browser()
        browser.signIn("owner@example.org")
        browser.request("GET", "/status")
        let csrf = ["X-CSRF-Token": browser.csrfToken ?? ""]
        let canary = "CANARY-\(UUID().uuidString.prefix(12))"
        var seen: [String] = []
        for (kind, settings) in Self.kinds {
            let fields = DestinationDefinitions.secretFields(DestinationKind(rawValue: kind)!)
            let secrets = fields.map { field in
                // Values each kind accepts: a URL for the preset's URL, a key in PEM form, the canary in each.
                field == "url" ? "\"https://hooks.slack.com/services/\(canary)\""
                    : field == "private_key" ? "\"-----BEGIN OPENSSH PRIVATE KEY-----\\n\(canary)\\n-----END OPENSSH PRIVATE KEY-----\\n\""
                    : "\"\(canary)\""
            }
            let body = #"{"name":"\#(kind) canary","kind":"\#(kind)","settings":\#(settings),"secrets":{\#(zip(fields, secrets).map { "\"\($0)\":\($1)" }.joined(separator: ","))}}"#
            let created = browser.request("POST", "/api/v1/destinations", json: body, headers: csrf)
            #expect(created.status == .created, "\(kind): \(text(created))")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any])
            #expect(Set(json["secrets_set"] as? [String] ?? []) == Set(fields), "\(kind)")
            let id = try #require(json["id"] as? String)
            seen.append(text(created))
            seen.append(text(browser.request("GET", "/api/v1/destinations/\(id)")))
            seen.append(text(browser.request("PATCH", "/api/v1/destinations/\(id)", json: #"{"name":""}"#, headers: csrf)))   // a refused change
            seen.append(text(browser.request("POST", "/api/v1/destinations/\(id)/test", headers: csrf)))
            seen.append(text(browser.request("GET", "/destinations/\(id)")))
            seen.append(text(browser.request("POST", "/destinations/\(id)/test", form: [("csrf_token", browser.csrfToken ?? "")])))
            seen.append(text(browser.request("POST", "/destinations/\(id)", form: [("csrf_token", browser.csrfToken ?? ""), ("name", "")])))
        }
        seen.append(text(browser.request("GET", "/api/v1/destinations")))
        seen.append(text(browser.request("GET", "/destinations")))
        for (index, page) in seen.enumerated() { #expect(!page.contains(canary), "response \(index) shows the secret") }

        let stored: String = try web.store.query("""
            SELECT coalesce((SELECT string_agg(d::text, ' ') FROM destinations d), '') || (SELECT coalesce(string_agg(a::text, ' '), '') FROM audit_log a) AS t
            """)[0].decode("t")
        #expect(stored.contains("canary") && !stored.contains(canary))
        let redis = try RedisConnection(url: web.redisURL)
        let keys = try redis.command("KEYS", "*").array?.compactMap(\.string) ?? []
        for key in keys {
            let dump = try redis.command("DUMP", .string(key)).string ?? ""
            #expect(!key.contains(canary) && !dump.contains(canary), "Redis key \(key)")
        }
    }
}
