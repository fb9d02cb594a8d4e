import Foundation

/// Helpers for what an HTTP server answered: a header's value, and a short printable quote of a body for an error.
enum ResponseText {
    /// The value of the last header called `name` (case-insensitive) among curl's header lines.
    static func header(_ name: String, in lines: [String]) -> String? {
        let prefix = name.lowercased() + ":"
        return lines.last { $0.lowercased().hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// At most `limit` characters of `body`, one line, control characters replaced, marked when cut.
    static func quote(_ body: [UInt8], limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x2028 || $0.value == 0x2029 ? " " : Character($0) })
            .trimmingCharacters(in: .whitespaces)
        if cleaned.isEmpty { return "(empty body)" }
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }
}
