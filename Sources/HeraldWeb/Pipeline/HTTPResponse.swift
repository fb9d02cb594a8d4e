import FastCGI
import Foundation
import HeraldCore

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
        .html(bytes: Array(html.utf8), status: status)
    }

    public static func html(bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: bytes)
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// JSON with snake_case keys and instants as UTC ISO-8601 with `Z` (`JSONWriter`). A value that fails to encode
    /// is a thrown error (a 500), never an empty 200.
    /// `keepingKeys`: for formats whose keys are fixed elsewhere in camelCase (health checks).
    public static func json(_ value: some Encodable, status: HTTPStatus = .ok, contentType: String = "application/json",
                            keepingKeys: Bool = false) throws -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)],
                     body: try JSONWriter.encode(value, snakeCaseKeys: !keepingKeys))
    }

    /// RFC 9457 problem details, with every bad field of a 422 in `errors`.
    public static func problem(_ status: HTTPStatus, detail: String, instance: String? = nil, errors: [ValidationError] = []) -> HTTPResponse {
        struct FieldError: Encodable { let field: String; let message: String }
        struct Problem: Encodable {
            let type: String; let title: String; let status: Int; let detail: String; let instance: String?; let errors: [FieldError]?
        }
        let problem = Problem(type: "about:blank", title: status.reason, status: status.code, detail: detail, instance: instance,
                              errors: errors.isEmpty ? nil : errors.map { FieldError(field: $0.field, message: $0.message) })
        // Plain strings and numbers always encode.
        let body = (try? JSONWriter.encode(problem)) ?? Array(#"{"type":"about:blank","title":"Internal Server Error","status":500}"#.utf8)
        return HTTPResponse(status: status, headers: [("Content-Type", "application/problem+json")], body: body)
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
