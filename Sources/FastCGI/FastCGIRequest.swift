/// One request as nginx sent it: the FastCGI params (CGI variables and `HTTP_*` headers), copied out of libfcgi at
/// once, and the body, exactly CONTENT_LENGTH bytes.
public struct FastCGIRequest: Sendable {
    public let params: [String: String]
    public let body: [UInt8]
    /// Set when the request broke a limit before its body was read (the body is then empty): the app answers
    /// 413 or 431 without handling it.
    public let refusal: Refusal?

    public enum Refusal: Sendable, Equatable {
        case bodyTooLarge, headersTooLarge
    }

    public init(params: [String: String], body: [UInt8], refusal: Refusal? = nil) {
        self.params = params
        self.body = body
        self.refusal = refusal
    }
}

/// What one request may carry; checked before anything is allocated for the body.
public struct FastCGILimits: Sendable {
    public var maxBodyBytes: Int
    public var maxHeaderCount: Int
    public var maxHeaderBytes: Int

    public init(maxBodyBytes: Int = 1 << 20, maxHeaderCount: Int = 100, maxHeaderBytes: Int = 32 * 1024) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
    }
}

/// A CGI-style response: a status line, headers and a body.
public struct FastCGIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The bytes written to nginx: `Status: 404 Not Found\r\n`, headers, a blank line, the body.
    func serialized() -> [UInt8] { head() + body }

    /// Everything before the body.
    func head() -> [UInt8] {
        var head = "Status: \(status) \(FastCGIResponse.reasonPhrase(status))\r\n"
        for (name, value) in headers {
            // A CR or LF in a header would split the response; such headers are dropped, never written.
            guard !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else { continue }
            head += "\(name): \(value)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// The response as FastCGI STDOUT records of request `id`, each at most 65,528 bytes of content (a multiple
    /// of 8, so no padding), in one buffer.
    func records(requestID id: Int32) -> [UInt8] {
        let head = head()
        let total = head.count + body.count
        let most = 65_528
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total + 8 * (total / most + 1))
        var written = 0
        while written < total {
            let length = min(most, total - written)
            bytes += [1, 6, UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id), UInt8(length >> 8), UInt8(length & 0xFF), 0, 0]
            let end = written + length
            if written < head.count { bytes += head[written..<min(end, head.count)] }
            if end > head.count { bytes += body[max(written, head.count) - head.count ..< end - head.count] }
            written = end
        }
        return bytes
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
