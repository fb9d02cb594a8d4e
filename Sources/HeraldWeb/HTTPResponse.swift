import FastCGI
import Foundation

/// What a handler returns.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: HTTPStatus = .ok, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public static func html(_ html: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(html.utf8))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    public static func json(_ value: some Encodable, status: HTTPStatus = .ok, contentType: String = "application/json") -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Our response types are plain structs; failing to encode one is a programming error.
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(body))
    }

    /// RFC 9457 problem details.
    public static func problem(_ status: HTTPStatus, detail: String, instance: String? = nil) -> HTTPResponse {
        struct Problem: Encodable { let type: String; let title: String; let status: Int; let detail: String; let instance: String? }
        return json(Problem(type: "about:blank", title: status.reason, status: status.code, detail: detail, instance: instance),
                    status: status, contentType: "application/problem+json")
    }

    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Location", location)])
    }

    func fastCGI(requestID: String, includeBody: Bool) -> FastCGIResponse {
        var headers = self.headers
        headers.append(("X-Request-Id", requestID))
        if !headers.contains(where: { $0.0.lowercased() == "content-length" }) { headers.append(("Content-Length", String(body.count))) }
        return FastCGIResponse(status: status.code, headers: headers, body: includeBody ? body : [])
    }
}
