import Foundation
import Testing
import TestSupport

/// The FastCGI layer behind a real nginx with the real configuration: what arrives, what goes back, under load and
/// while shutting down.
@Suite(.serialized)
struct NginxFastCGITests {
    static func harness(threads: Int = 8) throws -> NginxHarness {
        try NginxHarness(app: TestEnvironment.binDirectory + "/FastCGITestServer",
                         arguments: ["{socket}", "\(threads)", TestEnvironment.packageRoot + "/templates"])
    }

    struct Echo: Decodable {
        let method: String
        let path: String
        let query: [String: [String]]
        let form: [String: [String]]?
        let json: [String: JSONish]?
        let bodyBytes: Int
        let bodyChecksum: UInt64
        let cookies: [String: String]
    }

    enum JSONish: Decodable, Equatable {
        case string(String), number(Double), other
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .string(s) } else if let n = try? c.decode(Double.self) { self = .number(n) } else { self = .other }
        }
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    func echo(_ response: NginxHarness.Response) throws -> Echo {
        try JSONDecoder().decode(Echo.self, from: Data(response.body.utf8))
    }

    @Test func getThroughTLSCarriesTheSecurityHeaders() throws {
        let nginx = try Self.harness()
        let response = try nginx.get("/healthz")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/health+json")
        #expect(response.body == #"{"status":"pass"}"#)
        #expect(response.headers["strict-transport-security"]?.contains("max-age=") == true)
        #expect(response.headers["x-content-type-options"] == "nosniff")
        #expect(response.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
        #expect(response.headers["referrer-policy"] != nil)
        #expect(response.headers["x-request-id"]?.count == 32)
        let css = try nginx.get("/static/herald.css")
        #expect(css.status == 200)
        #expect(css.headers["x-frame-options"] == "DENY")
    }

    @Test func plainHTTPRedirectsToHTTPS() throws {
        let nginx = try Self.harness()
        let response = try nginx.request("", url: "http://localhost:\(nginx.httpPort)/echo?x=1")
        #expect(response.status == 301)
        #expect(response.headers["location"] == "https://localhost:\(nginx.httpsPort)/echo?x=1")
    }

    @Test func queryAndFormArriveDecoded() throws {
        let nginx = try Self.harness()
        let response = try nginx.request("/echo?q=caf%C3%A9&tag=a&tag=b+c", method: "POST",
                                         arguments: ["--data-raw", "name=J%C3%BCrgen+M&empty=&x=1&x=2", "-b", "theme=dark; sid=\"abc\""])
        #expect(response.status == 200)
        let body = try echo(response)
        #expect(body.method == "POST")
        #expect(body.query == ["q": ["café"], "tag": ["a", "b c"]])
        #expect(body.form == ["name": ["Jürgen M"], "empty": [""], "x": ["1", "2"]])
        #expect(body.cookies == ["theme": "dark", "sid": "abc"])
    }

    @Test func jsonBodyArrivesAndBadJSONIsAProblem() throws {
        let nginx = try Self.harness()
        let good = try nginx.request("/api/echo", method: "POST", arguments: [
            "-H", "Content-Type: application/json", "--data-raw", #"{"report":"Sales ✓","rows":42}"#])
        #expect(good.status == 200)
        #expect(try echo(good).json == ["report": .string("Sales ✓"), "rows": .number(42)])
        let bad = try nginx.request("/api/echo", method: "POST", arguments: [
            "-H", "Content-Type: application/json", "--data-raw", #"{"report": "#])
        #expect(bad.status == 400)
        #expect(bad.headers["content-type"] == "application/problem+json")
        #expect(bad.body.contains("not valid JSON"))
    }

    @Test func unknownPathsAnd405sAreExplained() throws {
        let nginx = try Self.harness()
        let page = try nginx.get("/no/such/page")
        #expect(page.status == 404)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.body.contains("There is no page at this address."))
        let api = try nginx.get("/api/no/such/thing")
        #expect(api.status == 404)
        #expect(api.headers["content-type"] == "application/problem+json")
        let method = try nginx.request("/echo", method: "DELETE")
        #expect(method.status == 405)
        #expect(method.headers["allow"] == "GET, HEAD, POST")
        let parameter = try nginx.get("/api/things/42")
        #expect(parameter.body == #"{"id":"42"}"#)
    }

    @Test func anUnexpectedErrorIsABare500WithTheDetailOnlyInTheLog() throws {
        let nginx = try Self.harness()
        let response = try nginx.get("/boom")
        #expect(response.status == 500)
        let requestID = try #require(response.headers["x-request-id"])
        #expect(response.body.contains(requestID))
        #expect(!response.body.contains("NSCocoaErrorDomain"))
        try nginx.waitUntil("the log names the error") { nginx.app?.output.contains("NSCocoaErrorDomain") == true }
        #expect(nginx.app?.output.contains(requestID) == true)
    }

    @Test func aFiveMegabyteBodyArrivesIntact() throws {
        let nginx = try Self.harness()
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(5 * 1024 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let file = nginx.directory + "/upload.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let response = try nginx.request("/echo", method: "POST", arguments: [
            "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + file])
        #expect(response.status == 200)
        let body = try echo(response)
        #expect(body.bodyBytes == bytes.count)
        #expect(body.bodyChecksum == Self.fnv1a(bytes))
    }

    @Test func twoHundredConcurrentRequestsAreAllAnswered() throws {
        let nginx = try Self.harness(threads: 16)
        let config = nginx.directory + "/parallel.curl"
        try (0..<200).map { "url = \"\(nginx.baseURL)/echo?n=\($0)\"\noutput = \"/dev/null\"\n" }.joined()
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runShell("curl -sk --parallel --parallel-max 200 --max-time 60 -w '%{http_code}\\n' -K \(config) 2>/dev/null")
        let codes = result.output.split(separator: "\n")
        #expect(codes.count == 200)
        #expect(codes.allSatisfy { $0 == "200" }, "\(Dictionary(grouping: codes, by: { $0 }).mapValues(\.count))")
    }

    @Test func sigtermLetsASlowRequestFinish() throws {
        let nginx = try Self.harness()
        let started = Date()
        let slow = try ChildProcess("/usr/bin/curl", ["-sk", "-w", "\n%{http_code}", "--max-time", "30", nginx.baseURL + "/slow?ms=1500"])
        let app = try #require(nginx.app)
        try nginx.waitUntil("the slow request to reach the app") { app.output.contains("slow request started") }
        app.signal(SIGTERM)
        #expect(slow.wait(timeout: 20) == 0)
        #expect(slow.output == "done\n\n200", "\(slow.output)")
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect(app.wait(timeout: 10) == 0, "the app did not exit 0 after draining: \(app.output)")
        let after = try nginx.get("/healthz")
        #expect(after.status == 502)
    }

    @Test func artifactsAreOnlyReachableThroughTheApp() throws {
        let nginx = try Self.harness()
        try "secret report".write(toFile: nginx.artifactsDirectory + "/report.csv", atomically: true, encoding: .utf8)
        #expect(try nginx.get("/_artifacts/report.csv").status == 404)
    }

    @Test func apiBurstsAreRateLimited() throws {
        let nginx = try Self.harness()
        let config = nginx.directory + "/burst.curl"
        try (0..<80).map { "url = \"\(nginx.baseURL)/api/things/\($0)\"\noutput = \"/dev/null\"\n" }.joined()
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runShell("curl -sk --parallel --parallel-max 80 -w '%{http_code}\\n' -K \(config) 2>/dev/null")
        let codes = result.output.split(separator: "\n")
        #expect(codes.contains("429"))
        #expect(codes.contains("200"))
        #expect(codes.allSatisfy { $0 == "200" || $0 == "429" })
        // Probes are exempt.
        #expect(try nginx.get("/healthz").status == 200)
    }

    @Test func servesASocketPassedAsStandardInput() throws {
        let nginx = try Self.harness()
        nginx.app?.stop()
        try? FileManager.default.removeItem(atPath: nginx.socketPath)
        // What systemd socket activation and spawn-fcgi do: bind and listen, then hand the socket over as fd 0.
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            _ = nginx.socketPath.utf8CString.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(listener, 64) == 0)
        let app = try ChildProcess(TestEnvironment.binDirectory + "/FastCGITestServer",
                                   ["-", "4", TestEnvironment.packageRoot + "/templates"], stdinDescriptor: listener)
        defer { app.stop() }
        try nginx.waitUntil("the app answers on the inherited socket") { (try? nginx.get("/healthz").status) == 200 }
        #expect(try nginx.get("/echo?from=fd0").body.contains(#""from":["fd0"]"#))
        app.signal(SIGTERM)
        #expect(app.wait(timeout: 10) == 0, "\(app.output)")
    }
}
