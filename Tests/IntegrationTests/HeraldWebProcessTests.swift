import Foundation
import Redis
import Testing
import TestSupport

/// `herald web` itself behind nginx, with real PostgreSQL and Redis.
@Suite(.serialized)
struct HeraldWebProcessTests {
    static func harness(databaseURL: String? = nil, redisURL: String? = nil) throws -> NginxHarness {
        var environment = try HeraldCommandTests.environment(databaseURL: databaseURL ?? TestEnvironment.databaseURL(),
                                                             redisURL: redisURL)
        environment["HERALD_WEB_THREADS"] = "4"
        environment["HERALD_FCGI_SOCKET"] = "{socket}"
        return try NginxHarness(app: HeraldCommandTests.herald, arguments: ["web"], environment: environment)
    }

    struct Health: Decodable {
        struct Check: Decodable { let status: String; let observedValue: Double?; let observedUnit: String?; let output: String? }
        let status: String
        let checks: [String: [Check]]?
    }

    @Test func healthzAndReadyzAnswerThroughNginx() throws {
        let nginx = try Self.harness()
        let live = try nginx.get("/healthz")
        #expect(live.status == 200)
        #expect(live.headers["cache-control"] == "no-store")
        let ready = try nginx.get("/readyz")
        #expect(ready.status == 200, "\(ready.body)")
        #expect(ready.headers["content-type"] == "application/health+json")
        let health = try JSONDecoder().decode(Health.self, from: Data(ready.body.utf8))
        #expect(health.checks?["postgresql:responseTime"]?.first?.status == "pass")
        #expect(health.checks?["redis:responseTime"]?.first?.status == "pass")
        #expect(health.checks?["postgresql:responseTime"]?.first?.observedUnit == "ms")
        #expect(health.checks?["scheduler:heartbeatAge"] != nil)
        #expect(!ready.body.contains("postgresql://"))
    }

    @Test func readyzFailsWith503WhenRedisIsDown() throws {
        let nginx = try Self.harness(redisURL: "redis://127.0.0.1:\(freeLoopbackPort())")
        let ready = try nginx.get("/readyz")
        #expect(ready.status == 503)
        let health = try JSONDecoder().decode(Health.self, from: Data(ready.body.utf8))
        #expect(health.status == "fail")
        #expect(health.checks?["redis:responseTime"]?.first?.status == "fail")
        #expect(health.checks?["postgresql:responseTime"]?.first?.status == "pass")
        #expect(try nginx.get("/healthz").status == 200)
    }

    @Test func readyzSeesARunningScheduler() throws {
        let url = try TestDatabase.create()
        let redisURL = try TestEnvironment.isolatedRedisURL()
        let scheduler = try ChildProcess(HeraldCommandTests.herald, ["scheduler"],
                                         environment: try HeraldCommandTests.environment(databaseURL: url, redisURL: redisURL))
        defer { scheduler.stop() }
        let nginx = try Self.harness(databaseURL: url, redisURL: redisURL)
        try nginx.waitUntil("the scheduler's heartbeat passes") {
            let body = try nginx.get("/readyz").body
            let health = try JSONDecoder().decode(Health.self, from: Data(body.utf8))
            return health.checks?["scheduler:heartbeatAge"]?.first?.status == "pass"
        }
    }

    @Test func aUserSignsInThroughNginxAndSeesTheStatusPage() throws {
        let url = try TestDatabase.create()
        let environment = try HeraldCommandTests.environment(databaseURL: url)
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment).status == 0)
        let added = try runCommand(HeraldCommandTests.herald, ["user", "add", "--email", "ada@example.org", "--role", "admin"],
                                   environment: environment)
        #expect(added.status == 0, "\(added.output)")
        let password = try #require(added.output.split(separator: "\n").first { $0.hasPrefix("password: ") }).dropFirst(10)
        let nginx = try Self.harness(databaseURL: url)
        let root = try nginx.get("/")
        #expect(root.status == 303)
        #expect(root.headers["location"] == "/login")
        let jar = nginx.directory + "/cookies.txt"
        let form = try nginx.request("/login", arguments: ["-c", jar, "-b", jar])
        #expect(form.status == 200)
        #expect(form.body.contains("<title>Sign in · Herald</title>"))
        let token = try #require(form.body.range(of: #"name="login_token" value=""#).map { range in
            String(form.body[range.upperBound...].prefix { $0 != "\"" })
        })
        let signedIn = try nginx.request("/login", method: "POST", arguments: [
            "-c", jar, "-b", jar, "--data-urlencode", "email=ada@example.org", "--data-urlencode", "password=\(password)",
            "--data-urlencode", "login_token=\(token)", "--data-urlencode", "next=/status"])
        #expect(signedIn.status == 303, "\(signedIn.body)")
        #expect(signedIn.headers["location"] == "/status")
        #expect(try String(contentsOfFile: jar, encoding: .utf8).contains("#HttpOnly_localhost\tFALSE\t/\tTRUE\t"))
        #expect(try String(contentsOfFile: jar, encoding: .utf8).contains("__Host-herald_session"))
        let status = try nginx.request("/status", arguments: ["-b", jar])
        #expect(status.status == 200)
        #expect(status.body.contains("<title>Status · Herald</title>"))
        #expect(status.body.contains("postgresql:responseTime"))
        #expect(status.body.contains("ada@example.org"))
        let missing = try nginx.request("/nowhere/123", arguments: ["-b", jar])
        #expect(missing.status == 404)
        #expect(missing.body.contains("Not Found"))
        let wrongMethod = try nginx.request("/healthz", method: "POST")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET, HEAD")
        let head = try nginx.request("/healthz", arguments: ["-I"])
        #expect(head.status == 200)
    }

    @Test func aBodyOverTheLimitIsRefusedWith413() throws {
        var environment = try HeraldCommandTests.environment(databaseURL: try TestEnvironment.databaseURL())
        environment["HERALD_WEB_THREADS"] = "2"
        environment["HERALD_FCGI_SOCKET"] = "{socket}"
        environment["HERALD_MAX_REQUEST_BYTES"] = "4096"
        let nginx = try NginxHarness(app: HeraldCommandTests.herald, arguments: ["web"], environment: environment)
        let big = String(repeating: "x", count: 10_000)
        let response = try nginx.request("/login", method: "POST", arguments: ["--data-binary", big])
        #expect(response.status == 413)
        #expect(try nginx.get("/healthz").status == 200)
    }

    @Test func sigtermStopsTheWebProcessCleanly() throws {
        let nginx = try Self.harness()
        #expect(try nginx.get("/healthz").status == 200)
        let app = try #require(nginx.app)
        app.signal(SIGTERM)
        #expect(app.wait(timeout: 10) == 0, "\(app.output)")
    }

    @Test func aMissingTemplatesFolderStopsStartUp() throws {
        var environment = try HeraldCommandTests.environment(databaseURL: try TestEnvironment.databaseURL())
        environment["HERALD_TEMPLATES_DIR"] = "/nonexistent/templates"
        environment["HERALD_FCGI_SOCKET"] = NSTemporaryDirectory() + "herald-\(UUID().uuidString.prefix(8)).sock"
        let result = try runCommand(HeraldCommandTests.herald, ["web"], environment: environment, timeout: 20)
        #expect(result.status == 1)
        #expect(result.output.contains("templates folder"))
    }
}

/// `GET /metrics` of `herald web` through the real nginx: loopback only.
@Suite(.serialized)
struct WebMetricsThroughNginxTests {
    @Test func metricsFromLoopbackCountRequestsByRoutePattern() throws {
        let nginx = try HeraldWebProcessTests.harness()
        for _ in 0..<3 { #expect(try nginx.get("/healthz").status == 200) }
        _ = try nginx.get("/schedules/0d7c1b6e-6d55-4f4b-9d4c-5e9f1f2b3c4d?secret=1")
        let scrape = try nginx.get("/metrics")
        #expect(scrape.status == 200, "\(scrape.body)")
        #expect(scrape.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let metrics = try PrometheusText(scrape.body)
        #expect(metrics.types["herald_http_requests_total"] == "counter")
        #expect(metrics.types["herald_http_request_duration_seconds"] == "histogram")
        #expect(metrics.value("herald_http_requests_total", ["route": "/healthz", "status": "200"]) == 3)
        #expect(metrics.value("herald_http_request_duration_seconds_count", ["route": "/healthz"]) == 3)
        #expect(metrics.value("herald_build_info") == 1)
        let families = try SchedulerMetricsTests.familiesByPrometheusClient(scrape.body)
        #expect(families["herald_http_requests"] == "counter" && families["herald_http_request_duration_seconds"] == "histogram", "\(families)")
        // The route label is the pattern: no ids, no query strings.
        #expect(metrics.value("herald_http_requests_total", ["route": "/schedules/:id"]) != nil)
        #expect(!scrape.body.contains("0d7c1b6e") && !scrape.body.contains("secret"))

        let again = try PrometheusText(try nginx.get("/metrics").body)
        #expect(again.value("herald_http_requests_total", ["route": "/metrics", "status": "200"]) == 1)
    }

    @Test func metricsFromAnotherAddressAreRefusedByNginx() throws {
        let config = try String(contentsOfFile: TestEnvironment.packageRoot + "/nginx/herald.conf", encoding: .utf8)
        let location = try #require(config.range(of: "location = /metrics {").map { config[$0.lowerBound...].prefix { $0 != "}" } })
        #expect(location.contains("allow 127.0.0.1;") && location.contains("allow ::1;") && location.contains("deny all;"))

        // nginx listens on every address: asked on this machine's own non-loopback address, the client is that address.
        let address = try #require(Self.nonLoopbackIPv4(), "this machine has no non-loopback IPv4 address to ask from")
        let nginx = try HeraldWebProcessTests.harness()
        let refused = try nginx.request("/metrics", url: "https://\(address):\(nginx.httpsPort)/metrics")
        #expect(refused.status == 403)
        #expect(!refused.body.contains("herald_"))
        #expect(try nginx.request("/healthz", url: "https://\(address):\(nginx.httpsPort)/healthz").status == 200)
    }

    static func nonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }
}
