/// An e-mail address that is safe to store and later put in a header: one `@`, no whitespace or control characters
/// (header injection, CVE-2024-6923), a non-empty local part and a domain.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(ValidationError) {
        // Nearly every address is printable ASCII without spaces: nothing to trim, no whitespace or control
        // character to look for by Unicode property (that search was a tenth of sending a one-recipient email).
        let plain = raw.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        let trimmed = plain ? raw : raw.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ValidationError(field: "email", message: "is required") }
        guard trimmed.utf8.count <= 254 else { throw ValidationError(field: "email", message: "is longer than 254 characters") }
        guard plain || !trimmed.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw ValidationError(field: "email", message: "must not contain spaces or line breaks")
        }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError(field: "email", message: "must look like name@example.org")
        }
        let domain = parts[1]
        guard domain == "localhost" || (domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")) else {
            throw ValidationError(field: "email", message: "has no valid domain after the @")
        }
        value = "\(parts[0])@\(domain.lowercased())"
    }

    public var description: String { value }
}

/// Bad input, named by the field it belongs to so forms can show it beside the field.
public struct ValidationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let field: String
    public let message: String
    public init(field: String, message: String) { self.field = field; self.message = message }
    public var description: String { "\(field) \(message)" }
}
