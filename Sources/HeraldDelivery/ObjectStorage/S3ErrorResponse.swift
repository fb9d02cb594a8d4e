import Foundation

/// What an S3-compatible server said when it refused a request: the `<Code>` and `<Message>` of its XML error (or
/// only the status, for a `HEAD`), turned into a `DeliveryError` whose category the history shows.
struct S3ErrorResponse {
    let status: Int
    let code: String?
    let message: String?

    init(status: Int, body: [UInt8]) {
        self.status = status
        let text = String(decoding: body.prefix(16 * 1024), as: UTF8.self)
        code = XMLText.first("Code", in: text)
        message = XMLText.first("Message", in: text)
    }

    var category: String {
        switch code {
        case "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthorizationHeaderMalformed", "ExpiredToken", "InvalidToken",
             "InvalidSecurity", "MissingSecurityHeader", "AuthorizationQueryParametersError":
            return "auth"
        case "AccessDenied", "AllAccessDisabled", "AccountProblem": return "permission"
        case "NoSuchBucket", "NoSuchKey", "NoSuchUpload": return "not found"
        default: break
        }
        switch status {
        case 401: return "auth"
        case 403: return "permission"
        case 404: return "not found"
        default: return "remote rejected"
        }
    }

    var isTransient: Bool { status == 408 || status == 429 || (500...599).contains(status) || code == "SlowDown" || code == "RequestTimeout" }

    /// `step: category: HTTP 403 SignatureDoesNotMatch: …` (the message at most ~200 characters, secrets removed).
    func error(step: String, redactor: SecretRedactor) -> DeliveryError {
        var text = "\(step): \(category): HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": " + ResponseText.quote(Array(message.utf8)) }
        return DeliveryError(redactor.redact(text), permanent: !isTransient, category: category)
    }
}

/// The text of an element in a small, known XML document (S3's answers), entities decoded. Not a general XML parser:
/// these documents have no attributes on the elements read, no CDATA and no nesting of the same name.
enum XMLText {
    static func first(_ name: String, in text: String) -> String? { all(name, in: text).first }

    static func all(_ name: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<\(name)>") {
            guard let close = rest[open.upperBound...].range(of: "</\(name)>") else { break }
            found.append(decode(String(rest[open.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
