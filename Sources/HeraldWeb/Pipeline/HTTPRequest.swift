import FastCGI
import Foundation

/// An HTTP request as a handler sees it, built from the FastCGI params nginx sends.
public struct HTTPRequest: Sendable {
    public let method: String
    /// Decoded path, from nginx's normalised DOCUMENT_URI (falls back to REQUEST_URI's path).
    public let path: String
    public let rawQuery: String
    public let query: [String: [String]]
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: [UInt8]
    public let remoteAddress: String
    public let requestID: String
    /// Set by the router from `:name` segments.
    public internal(set) var parameters: [String: String] = [:]
    /// A limit `herald web` enforces before reading the body (answered 413 or 431 without routing).
    public internal(set) var refusal: FastCGIRequest.Refusal?

    public init(method: String, path: String, rawQuery: String = "", headers: [String: String] = [:], body: [UInt8] = [],
                remoteAddress: String = "127.0.0.1", requestID: String? = nil) {
        self.method = method.uppercased()
        self.path = path.isEmpty ? "/" : path
        self.rawQuery = rawQuery
        self.query = FormDecoding.decode(rawQuery)
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestID = requestID.flatMap(Self.saneRequestID) ?? Self.saneRequestID(self.headers["x-request-id"]) ?? Self.newRequestID()
    }

    public init(fastCGI request: FastCGIRequest) {
        let params = request.params
        var headers: [String: String] = [:]
        for (key, value) in params where key.hasPrefix("HTTP_") {
            // HTTP_X_REQUEST_ID → x-request-id, byte by byte (Foundation's replacingOccurrences was 4% of a request).
            let name = key.utf8.dropFirst(5).map { $0 == 0x5F ? 0x2D : $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            headers[String(decoding: name, as: UTF8.self)] = value
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers["content-length"] = length }
        let uri = params["REQUEST_URI"] ?? "/"
        let uriPath = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        let path = params["DOCUMENT_URI"].flatMap { $0.isEmpty ? nil : $0 } ?? (uriPath.removingPercentEncoding ?? uriPath)
        self.init(method: params["REQUEST_METHOD"] ?? "GET", path: path, rawQuery: params["QUERY_STRING"] ?? "",
                  headers: headers, body: request.body, remoteAddress: params["REMOTE_ADDR"] ?? "")
        refusal = request.refusal
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Under `/api/`: errors are problem documents, a missing sign-in is a 401 rather than a redirect.
    public var isAPI: Bool { path == "/api" || path.hasPrefix("/api/") }

    /// GET, HEAD and OPTIONS change nothing; everything else needs a CSRF token when it comes with a session cookie.
    public var isSafeMethod: Bool { method == "GET" || method == "HEAD" || method == "OPTIONS" }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? { query[name]?.first }

    /// Media type without parameters, lower-cased (`application/json`).
    public var contentType: String? {
        header("content-type")?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// Cookies from the `Cookie` header; the first of repeated names wins (RFC 6265 §5.4 ordering).
    public var cookies: [String: String] {
        var result: [String: String] = [:]
        for pair in (header("cookie") ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if !name.isEmpty, result[name] == nil { result[name] = value }
        }
        return result
    }

    /// Fields of an `application/x-www-form-urlencoded` body.
    public func form() throws(HTTPError) -> [String: [String]] {
        guard contentType == "application/x-www-form-urlencoded" else {
            throw HTTPError(.unsupportedMediaType, "expected a form (application/x-www-form-urlencoded)")
        }
        guard let text = String(validating: body, as: UTF8.self) else { throw HTTPError(.badRequest, "the form is not valid UTF-8") }
        return FormDecoding.decode(text)
    }

    /// Decodes an `application/json` body: malformed JSON is a 400 that says where; well-formed JSON with a field of
    /// the wrong type or a required field missing is a 422 naming each (`JSONBody`).
    public func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        guard contentType == "application/json" || contentType?.hasSuffix("+json") == true else {
            throw HTTPError(.unsupportedMediaType, "expected a JSON body (Content-Type: application/json)")
        }
        return try JSONBody.decode(T.self, from: Data(body), convertingFromSnakeCase: true)
    }

    static func saneRequestID(_ value: String?) -> String? {
        guard let value, (8...64).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return value
    }

    /// 32 lowercase hex digits from two 64-bit draws (a draw is a `getrandom` call: one per byte was 3% of a request).
    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(32)
        for word in [generator.next() as UInt64, generator.next() as UInt64] {
            for shift in stride(from: 60, through: 0, by: -4) { hex.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// `a=1&b=x+y&a=2` → `["a": ["1", "2"], "b": ["x y"]]`; malformed percent escapes are kept literally.
enum FormDecoding {
    static func decode(_ text: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            guard !name.isEmpty else { continue }
            result[name, default: []].append(parts.count > 1 ? unescape(parts[1]) : "")
        }
        return result
    }

    static func unescape(_ part: Substring) -> String {
        guard part.utf8.contains(where: { $0 == 0x2B || $0 == 0x25 }) else { return String(part) }
        let spaced = String(decoding: part.utf8.map { $0 == 0x2B ? 0x20 : $0 }, as: UTF8.self)
        return spaced.removingPercentEncoding ?? spaced
    }
}
