/// A templated remote path or object key, `{report_name}/{date:yyyy/MM}/{report_name}_{date}.{format}`: the
/// template's own slashes separate folders; every placeholder's value is made safe for one path segment (no `/`, `\`,
/// NUL, leading dot), so no report or schedule name can climb out of the destination's base folder or bucket prefix.
/// The template itself may not hold `..`, `.`, empty or absolute segments, backslashes or `%` (an encoded `%2e%2e%2f`).
public struct RemotePathPattern: Sendable, Equatable {
    public let pattern: String
    private let segments: [FileNamePattern]

    public init(_ pattern: String, field: String = "path") throws(ValidationError) {
        guard !pattern.isEmpty, pattern.count <= 500 else {
            throw ValidationError(field: field, message: "must be 1 to 500 characters")
        }
        guard !pattern.contains("\\"), !pattern.contains("%"), !pattern.contains("\0"),
              !pattern.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ValidationError(field: field, message: "must not contain \\, %, or control characters")
        }
        guard !pattern.hasPrefix("/") else { throw ValidationError(field: field, message: "must be relative (no leading /)") }
        // `{date:yyyy/MM}` is two segments: its slash is the template's, not a value's.
        var expanded = ""
        var inDate = false
        var rest = Substring(pattern)
        while let c = rest.first {
            if rest.hasPrefix("{date:") { inDate = true }
            if c == "}" { inDate = false }
            if c == "/" && inDate { expanded += "}/{date:" } else { expanded.append(c) }
            rest = rest.dropFirst()
        }
        var segments: [FileNamePattern] = []
        for segment in expanded.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty, segment != ".", segment != ".." else {
                throw ValidationError(field: field, message: "must not have empty, . or .. folders")
            }
            do { segments.append(try FileNamePattern(String(segment))) } catch {
                throw ValidationError(field: field, message: error.message)
            }
        }
        self.pattern = pattern
        self.segments = segments
    }

    /// The path's segments for one file, each safe to put between slashes (and to percent-encode into a URL).
    public func segments(reportName: String, scheduleName: String, localDateTime: String, format: String, executionID: String) -> [String] {
        segments.map { $0.fileName(reportName: reportName, scheduleName: scheduleName, localDateTime: localDateTime, format: format, executionID: executionID) }
    }
}

/// A base folder (`/upload/reports`) or bucket prefix set by whoever configures the destination: normalised,
/// without `.`/`..` segments, backslashes or control characters. Absolute paths are allowed (an SFTP home is `/home/x`).
public enum RemoteBase {
    public static func normalize(_ path: String, field: String) throws(ValidationError) -> String {
        guard path.count <= 500, !path.contains("\\"), !path.contains("%"),
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ValidationError(field: field, message: "must be at most 500 characters without \\, % or control characters")
        }
        let parts = path.split(separator: "/")
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw ValidationError(field: field, message: "must not contain . or .. folders")
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}
