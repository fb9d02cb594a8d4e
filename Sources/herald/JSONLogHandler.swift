import Foundation
import Logging

/// `HERALD_LOG_FORMAT=json`: one JSON object per line on stderr — `time` (UTC, milliseconds), `level`, `logger`,
/// `message`, then the line's metadata as string fields (`request_id`, `execution_id`, `error` …), so a log
/// collector can filter by field instead of parsing text. Lines from all threads are written whole, one `write` each.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        var fields = metadata
        if let explicit { fields.merge(explicit) { $1 } }
        var out = "{\"time\":\(Self.quoted(Self.timestamp())),\"level\":\(Self.quoted(level.rawValue)),\"logger\":\(Self.quoted(label)),"
            + "\"message\":\(Self.quoted(message.description))"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !["time", "level", "logger", "message"].contains(key) {
            out += ",\(Self.quoted(key)):\(Self.quoted(value.description))"
        }
        out += "}\n"
        out.utf8CString.withUnsafeBufferPointer { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count - 1) }
    }

    /// `2026-12-03T10:14:19.164Z`.
    static func timestamp(_ date: Date = Date()) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, min(millis, 999))
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\uXXXX` (a line break in an error stays on one line).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
