/// A value that will go into a mail header (a subject, a display name) or a HTTP header: refused when it holds a
/// line break of any kind (CR, LF, NEL, U+2028, U+2029) or another control character, so `"x\r\nBcc: y"` can never add
/// a header. Checked when a destination is saved and again just before sending.
public enum HeaderText {
    public static func check(_ value: String, field: String, maximum: Int = 998) throws(ValidationError) {
        guard !value.unicodeScalars.contains(where: isForbidden) else {
            throw ValidationError(field: field, message: "must be one line (no line breaks or control characters)")
        }
        guard value.utf8.count <= maximum else { throw ValidationError(field: field, message: "must be \(maximum) bytes or fewer") }
    }

    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

/// A server's host name or address as a destination names it: letters, digits, `-`, `.`, or an IPv6 literal.
public enum HostName {
    public static func check(_ host: String, field: String) throws(ValidationError) {
        let allowed = host.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-.:".unicodeScalars.contains($0) }
        guard !host.isEmpty, host.count <= 253, allowed, !host.hasPrefix("-"), !host.hasPrefix(".") else {
            throw ValidationError(field: field, message: "must be a host name or an IP address")
        }
    }

    public static func checkPort(_ port: Int?, field: String) throws(ValidationError) {
        if let port, !(1...65535).contains(port) { throw ValidationError(field: field, message: "must be between 1 and 65535") }
    }
}

extension Array where Element == ValidationError {
    /// Runs `check`, adding its error (if any) to the list.
    mutating func collect(_ check: () throws -> Void) {
        do { try check() } catch let error as ValidationError { append(error) } catch { append(ValidationError(field: "settings", message: "\(error)")) }
    }
}
