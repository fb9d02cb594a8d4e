import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import TestSupport
import Testing

/// The webhook channel against the real HTTP receiver: retries, signatures, authentication, the payloads, the Slack
/// and Teams presets, and the SSRF guard.
struct WebhookChannelTests {
    let receiver: HTTPReceiver
    let path: String

    init() throws {
        receiver = try DeliveryServers.httpReceiver()
        path = "/hook/\(UUID().uuidString)"
    }

    func webhook(_ settings: [String: Any] = [:], secrets: [String: Any] = [:], allowLoopback: Bool = true, transferTimeout: Double = 60) throws -> any DeliveryChannel {
        var settings = settings
        if settings["preset"] == nil, settings["url"] == nil { settings["url"] = receiver.url(path: path).absoluteString }
        return try ChannelFixture.channel("webhook", settings: settings, secrets: secrets, allowLoopback: allowLoopback, transferTimeout: transferTimeout)
    }

    static func signatureIsValid(_ request: RecordedRequest, secret: String, signedBody: [UInt8]) -> Bool {
        guard let timestamp = request.headers["x-herald-timestamp"], let signature = request.headers["x-herald-signature"] else { return false }
        let mac = Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + signedBody)
        return signature == "sha256=" + Hex.encode(mac)
    }

    @Test func twoServerErrorsThenSuccessIsOneDeliveryOfThreeRequestsWithOneKeyAndValidSignatures() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 500), ScriptedResponse(status: 500), ScriptedResponse(status: 200, body: "ok")])
        let context = ChannelFixture.context(files: ["csv": "Sales_2026-11-23.csv"])
        let file = try ChannelFixture.file(Array("a,b\n1,2\n".utf8), format: "csv")
        var withLink = context
        withLink.links = ["csv": "https://herald.example/a/signed?t=1"]
        let detail = try webhook(secrets: ["signing_secret": "whsec-test-123"]).deliver([file], context: withLink)

        let requests = try receiver.requests(pathPrefix: path)
        #expect(requests.count == 3)
        #expect(detail.contains("after 3 attempts"))
        #expect(Set(requests.map { $0.headers["idempotency-key"] ?? "" }) == [context.deliveryKey])
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.headers["user-agent"] == "Herald")
            #expect(request.headers["content-type"] == "application/json")
            #expect(Self.signatureIsValid(request, secret: "whsec-test-123", signedBody: request.body))
        }
        let summary = try ChannelFixture.object(requests[2].body)
        #expect(summary["event"] as? String == "execution.succeeded")
        #expect(summary["execution_id"] as? String == context.executionID.uuidString.lowercased())
        #expect((summary["schedule"] as? [String: Any])?["name"] as? String == "Daily")
        #expect((summary["schedule"] as? [String: Any])?["id"] as? String == context.scheduleID?.uuidString.lowercased())
        #expect((summary["report"] as? [String: Any])?["name"] as? String == "Sales")
        #expect(summary["scheduled_for"] as? String == "2026-11-23T06:00:00Z")
        #expect(summary["local_time"] as? String == "2026-11-23 07:00:00")
        #expect(summary["row_count"] as? Int == 42)
        #expect(summary["truncated"] as? Bool == false)
        let files = try #require(summary["files"] as? [[String: Any]])
        #expect(files.count == 1)
        #expect(files.first?["format"] as? String == "csv")
        #expect(files.first?["name"] as? String == "Sales_2026-11-23.csv")
        #expect(files.first?["url"] as? String == "https://herald.example/a/signed?t=1")
    }

    @Test func aBadRequestIsNotRetriedAndIsPermanent() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 400, body: "missing field x")])
        let error = #expect(throws: DeliveryError.self) { try webhook().deliver([], context: ChannelFixture.context()) }
        #expect(error?.permanent == true)
        #expect(error?.description.contains("400") == true)
        #expect(error?.description.contains("missing field x") == true)
        #expect(try receiver.requests(pathPrefix: path).count == 1)
    }

    @Test func tooManyRequestsWaitsForRetryAfterBeforeTheNextAttempt() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 429, headers: ["Retry-After": "2"]), ScriptedResponse(status: 200)])
        _ = try webhook().deliver([], context: ChannelFixture.context())
        let requests = try receiver.requests(pathPrefix: path)
        #expect(requests.count == 2)
        let gap = requests[1].time - requests[0].time
        #expect(gap >= 1.9 && gap < 5, "the second request came \(gap) s after the first")
    }

    @Test func aRetryAfterBeyondTheCapFailsAtOnceAsTransientWithTheWait() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 503, headers: ["Retry-After": "120"])])
        let error = #expect(throws: DeliveryError.self) { try webhook().deliver([], context: ChannelFixture.context()) }
        #expect(error?.permanent == false)
        #expect(error?.retryAfter == 120)
        #expect(try receiver.requests(pathPrefix: path).count == 1)
    }

    @Test func aRetryAfterGivenAsAnHTTPDateIsReadAsSecondsFromNow() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let later = formatter.string(from: Date().addingTimeInterval(300))
        try receiver.script(path: path, responses: [ScriptedResponse(status: 429, headers: ["Retry-After": later])])
        let error = #expect(throws: DeliveryError.self) { try webhook().deliver([], context: ChannelFixture.context()) }
        #expect(error?.permanent == false)
        #expect((295...301).contains(error?.retryAfter ?? 0), "\(String(describing: error?.retryAfter))")
        #expect(try receiver.requests(pathPrefix: path).count == 1)
    }

    @Test func aTimedOutAttemptIsRetriedWithTheSameKey() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 200, delay: 3), ScriptedResponse(status: 200)])
        let context = ChannelFixture.context()
        let detail = try webhook(transferTimeout: 1).deliver([], context: context)
        #expect(detail.contains("after 2 attempts"))
        let requests = try receiver.requests(pathPrefix: path)
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.headers["idempotency-key"] == context.deliveryKey })
    }

    @Test func aTokenEchoedByTheReceiverIsRemovedFromTheError() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 401, body: "bad token tok-canary-9f8e7d")])
        let error = #expect(throws: DeliveryError.self) {
            try webhook(["auth": "bearer"], secrets: ["token": "tok-canary-9f8e7d"]).deliver([], context: ChannelFixture.context())
        }
        #expect(error?.category == "auth")
        #expect(error?.permanent == true)
        #expect(error?.description.contains("tok-canary-9f8e7d") == false, "\(String(describing: error))")
    }

    @Test func serverErrorsOnEveryAttemptEndTransientAfterThreeRequests() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 502, body: "bad gateway")])
        let error = #expect(throws: DeliveryError.self) { try webhook().deliver([], context: ChannelFixture.context()) }
        #expect(error?.permanent == false)
        #expect(error?.retryAfter == nil)
        #expect(try receiver.requests(pathPrefix: path).count == 3)
    }

    @Test func bearerBasicAndHeaderAuthenticationArriveAsConfigured() throws {
        let cases: [(settings: [String: Any], header: String, value: String)] = [
            (["auth": "bearer"], "authorization", "Bearer tok-bearer-1"),
            (["auth": "basic", "username": "herald"], "authorization", "Basic " + Data("herald:tok-bearer-1".utf8).base64EncodedString()),
            (["auth": "header", "header_name": "X-API-Key"], "x-api-key", "tok-bearer-1"),
        ]
        for (index, item) in cases.enumerated() {
            var settings = item.settings
            settings["url"] = receiver.url(path: "\(path)/\(index)").absoluteString
            _ = try webhook(settings, secrets: ["token": "tok-bearer-1"]).deliver([], context: ChannelFixture.context())
            let request = try #require(try receiver.requests(pathPrefix: "\(path)/\(index)").first)
            #expect(request.headers[item.header] == item.value, "\(item.settings)")
        }
    }

    @Test func theFilesPayloadSendsASignedSummaryPartAndOnePartPerFile() throws {
        let csv = try ChannelFixture.file(Array("id,total\n1,9.5\n".utf8), format: "csv")
        let pdf = try ChannelFixture.file([0x25, 0x50, 0x44, 0x46, 0x00, 0xFF, 0x10], format: "pdf")
        let context = ChannelFixture.context(files: ["csv": "Sales.csv", "pdf": "Sales.pdf"])
        _ = try webhook(["payload": "files"], secrets: ["signing_secret": "files-secret"]).deliver([csv, pdf], context: context)
        let request = try #require(try receiver.requests(pathPrefix: path).first)
        let type = try #require(request.headers["content-type"])
        #expect(type.hasPrefix("multipart/form-data; boundary="))
        let parts = MultipartBody.parts(request.body, boundary: String(type.split(separator: "=", maxSplits: 1)[1]))
        #expect(parts.count == 3)
        let summary = try #require(parts.first { $0.headers.contains("name=\"summary\"") })
        #expect(summary.headers.contains("application/json"))
        #expect(Self.signatureIsValid(request, secret: "files-secret", signedBody: summary.body))
        #expect(((try ChannelFixture.object(summary.body))["files"] as? [Any])?.count == 2)
        let csvPart = try #require(parts.first { $0.headers.contains("filename=\"Sales.csv\"") })
        #expect(csvPart.body == Array("id,total\n1,9.5\n".utf8))
        #expect(csvPart.headers.contains("text/csv"))
        let pdfPart = try #require(parts.first { $0.headers.contains("filename=\"Sales.pdf\"") })
        #expect(pdfPart.body == [0x25, 0x50, 0x44, 0x46, 0x00, 0xFF, 0x10])
        #expect(pdfPart.headers.contains("application/pdf"))
    }

    @Test func theSlackPresetPostsTextAndBlocksWithLinksAndNeverShowsItsURL() throws {
        let secretURL = receiver.url(path: path).absoluteString
        var context = ChannelFixture.context(files: ["csv": "Sales.csv"])
        context.links = ["csv": "https://herald.example/dl/1"]
        let file = try ChannelFixture.file(Array("x\n".utf8), format: "csv")
        let slack = try webhook(["preset": "slack"], secrets: ["url": secretURL])
        let detail = try slack.deliver([file], context: context)
        #expect(!detail.contains(path))
        let body = try ChannelFixture.object(try #require(try receiver.requests(pathPrefix: path).first).body)
        #expect((body["text"] as? String)?.contains("Sales") == true)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let texts = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }.joined(separator: "\n")
        #expect(texts.contains("<https://herald.example/dl/1|Sales.csv>"))
        #expect(texts.contains("42 rows"))

        try receiver.script(path: path, responses: [ScriptedResponse(status: 404, body: "no_service \(path)")])
        let error = #expect(throws: DeliveryError.self) { try slack.deliver([file], context: context) }
        #expect(error?.description.contains(path) == false, "\(String(describing: error))")
        #expect(error?.description.contains("404") == true)
    }

    @Test func aReportNameCannotAddMentionsOrLinksToASlackMessage() throws {
        _ = try webhook(["preset": "slack"], secrets: ["url": receiver.url(path: path).absoluteString])
            .deliver([], context: ChannelFixture.context(reportName: "<!channel> & <https://evil.example|x>"))
        let body = try ChannelFixture.object(try #require(try receiver.requests(pathPrefix: path).first).body)
        let text = try #require(body["text"] as? String)
        #expect(text.contains("&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;"))
        #expect(!text.contains("<!channel>"))
    }

    @Test func theTeamsPresetPostsAnAdaptiveCardWithTheSummaryAndLinks() throws {
        var context = ChannelFixture.context(files: ["xlsx": "Sales.xlsx"])
        context.links = ["xlsx": "https://herald.example/dl/2"]
        let file = try ChannelFixture.file([1, 2, 3], format: "xlsx")
        _ = try webhook(["preset": "teams"], secrets: ["url": receiver.url(path: path).absoluteString]).deliver([file], context: context)
        let body = try ChannelFixture.object(try #require(try receiver.requests(pathPrefix: path).first).body)
        #expect(body["type"] as? String == "message")
        let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard")
        let actions = try #require(card["actions"] as? [[String: Any]])
        #expect(actions.first?["url"] as? String == "https://herald.example/dl/2")
        #expect(actions.first?["title"] as? String == "Sales.xlsx")
        let text = String(decoding: try JSONSerialization.data(withJSONObject: card["body"] ?? []), as: UTF8.self)
        #expect(text.contains("Sales") && text.contains("Daily") && text.contains("42"))
    }

    @Test func anUnexpectedBodyIsAPermanentErrorQuotingAShortPartOfTheResponse() throws {
        try receiver.script(path: path, responses: [ScriptedResponse(status: 200, body: String(repeating: "nope ", count: 400))])
        let error = #expect(throws: DeliveryError.self) { try webhook(["expect_body": "accepted"]).deliver([], context: ChannelFixture.context()) }
        #expect(error?.permanent == true)
        #expect((error?.description.count ?? 0) < 400)
        #expect(error?.description.contains("nope") == true)
    }

    @Test func loopbackPrivateAndMetadataAddressesAndOtherSchemesAreRefusedBeforeAnyRequest() throws {
        let port = receiver.url.port!
        let privateName = try DeliveryServers.privateName()
        let targets = ["http://127.0.0.1:\(port)", "http://127.1:\(port)", "http://0x7f000001:\(port)", "http://2130706433:\(port)",
                       "http://[::1]:\(port)", "http://[::ffff:127.0.0.1]:\(port)", "http://169.254.169.254", "http://\(privateName):\(port)",
                       "file:///etc/passwd", "gopher://127.0.0.1:\(port)"]
        for (index, target) in targets.enumerated() {
            let url = target.hasPrefix("file:") ? target : "\(target)\(path)/\(index)"
            let error = #expect(throws: (any Error).self, "\(target)") {
                try webhook(["url": url], allowLoopback: false).deliver([], context: ChannelFixture.context())
            }
            if let error = error as? DeliveryError { #expect(error.permanent, "\(target): \(error)") }
        }
        #expect(try receiver.requests(pathPrefix: path).isEmpty)
    }

    @Test func aRedirectIsNotFollowed() throws {
        let elsewhere = "\(path)/elsewhere"
        try receiver.script(path: path, responses: [ScriptedResponse(status: 302, headers: ["Location": receiver.url(path: elsewhere).absoluteString])])
        let error = #expect(throws: DeliveryError.self) { try webhook().deliver([], context: ChannelFixture.context()) }
        #expect(error?.permanent == true)
        #expect(error?.description.contains("302") == true)

        let toPrivate = "\(path)/private"
        try receiver.script(path: toPrivate, responses: [ScriptedResponse(status: 307, headers: ["Location": "http://10.0.0.1/internal"])])
        let second = #expect(throws: DeliveryError.self) {
            try webhook(["url": receiver.url(path: toPrivate).absoluteString]).deliver([], context: ChannelFixture.context())
        }
        #expect(second?.description.contains("307") == true)
        #expect(try receiver.requests(pathPrefix: path).map(\.path) == [path, toPrivate])
    }

    /// The implicit-FTPS port speaks TLS from the first byte with the tests' self-signed certificate: enough for a
    /// connect-only check of the handshake and of certificate verification (no HTTP request is ever made).
    @Test func theConnectionTestVerifiesTheTLSCertificate() throws {
        let tlsPort = try DeliveryServers.ftp().implicitTLSPort
        let settings = try ChannelFixture.json(["url": "https://127.0.0.1:\(tlsPort)/hook"])
        let trusted = try DeliveryChannels.make(kind: "webhook", settingsJSON: settings, environment: try ChannelFixture.environment())
        #expect(try trusted.testConnection().contains("completed the TLS handshake and verified the certificate"))

        let untrusting = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), outbound: try OutboundPolicy(allowList: "127.0.0.1"), connectTimeout: 5)
        let error = #expect(throws: DeliveryError.self) {
            try DeliveryChannels.make(kind: "webhook", settingsJSON: settings, environment: untrusting).testConnection()
        }
        #expect(error?.category == "tls", "\(String(describing: error))")
    }

    @Test func theConnectionTestConnectsWithoutPostingAndIsRefusedWhenBlocked() throws {
        let result = try webhook().testConnection()
        #expect(result.contains("connected to port \(receiver.url.port!)"))
        #expect(try receiver.requests(pathPrefix: path).isEmpty)
        let error = #expect(throws: DeliveryError.self) { try webhook(allowLoopback: false).testConnection() }
        #expect(error?.category == "blocked")
    }
}

/// Splits a `multipart/form-data` body into its parts' header text and bytes (enough for the tests' own bodies).
enum MultipartBody {
    struct Part { let headers: String; let body: [UInt8] }

    static func parts(_ body: [UInt8], boundary: String) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + delimiter.count <= body.count {
            if Array(body[index..<index + delimiter.count]) == delimiter {
                chunks.append(body[start..<index])
                index += delimiter.count
                start = index
            } else {
                index += 1
            }
        }
        for chunk in chunks.dropFirst() {
            let bytes = Array(chunk)
            guard let split = find([13, 10, 13, 10], in: bytes) else { continue }
            var content = Array(bytes[(split + 4)...])
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            parts.append(Part(headers: String(decoding: bytes[..<split], as: UTF8.self), body: content))
        }
        return parts
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}
