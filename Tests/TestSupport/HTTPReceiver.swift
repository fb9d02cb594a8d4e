import Foundation

/// The test HTTP receiver: records every request outside `/_control/` and answers from a script (by default 200 "ok",
/// 201 for PUT). Control calls go through the curl CLI, so TestSupport needs no FoundationNetworking.
public struct HTTPReceiver: Sendable {
    public let url: URL

    /// `url` with this path (and query) appended, e.g. `"/hook/\(UUID())"`.
    public func url(path: String) -> URL { URL(string: url.absoluteString + path)! }

    /// Answers requests to exactly `path` (without query) with `responses` in order, the last one repeated.
    public func script(path: String, responses: [ScriptedResponse]) throws {
        struct Script: Encodable { let path: String; let responses: [ScriptedResponse] }
        let body = String(decoding: try JSONEncoder().encode(Script(path: path, responses: responses)), as: UTF8.self)
        _ = try control(["-X", "POST", "--data-binary", "@-", "-H", "Content-Type: application/json",
                         url.absoluteString + "/_control/script"], input: body)
    }

    /// The recorded requests whose path (with query) starts with `pathPrefix`, oldest first.
    public func requests(pathPrefix: String) throws -> [RecordedRequest] {
        var components = URLComponents(url: url.appendingPathComponent("_control/requests"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "path", value: pathPrefix)]
        let output = try control([components.url!.absoluteString])
        return try JSONDecoder().decode([RecordedRequest.Wire].self, from: Data(output.utf8)).map(RecordedRequest.init)
    }

    /// Waits (at most `timeout` seconds) until at least `count` requests under `pathPrefix` were recorded.
    public func waitForRequests(pathPrefix: String, count: Int, timeout: Double = 10) throws -> [RecordedRequest] {
        try pollUntil(timeout: timeout, what: "\(count) request(s) to \(pathPrefix)") {
            let found = try requests(pathPrefix: pathPrefix)
            return found.count >= count ? found : nil
        }
    }

    /// Forgets every script and recorded request, other tests' too: only for tests that run alone.
    public func reset() throws { _ = try control(["-X", "POST", url.absoluteString + "/_control/reset"]) }

    private func control(_ arguments: [String], input: String? = nil) throws -> String {
        let result = try runCommand("/usr/bin/curl", ["-sS", "-f", "--max-time", "10"] + arguments, input: input, timeout: 20)
        guard result.status == 0 else {
            throw DeliveryServerError(message: "the HTTP receiver's control call failed: \(result.output)")
        }
        return result.output
    }
}

/// One answer of the receiver's script. `delay` holds it back that many seconds (for timeout tests).
public struct ScriptedResponse: Encodable, Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: String
    public let delay: Double?

    public init(status: Int, headers: [String: String] = [:], body: String = "", delay: Double? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }
}

/// A request as the receiver got it.
public struct RecordedRequest: Sendable {
    public let method: String
    /// Path and query, as sent.
    public let path: String
    /// Names in lower case; repeated headers joined with ", ".
    public let headers: [String: String]
    public let body: [UInt8]
    /// When it arrived (seconds since 1970), to check the spacing of retries.
    public let time: Double

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    struct Wire: Decodable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: String
        let time: Double
    }

    init(_ wire: Wire) throws {
        guard let body = Data(base64Encoded: wire.body) else {
            throw DeliveryServerError(message: "the HTTP receiver sent a body that is not base64")
        }
        method = wire.method
        path = wire.path
        headers = wire.headers
        self.body = [UInt8](body)
        time = wire.time
    }
}
