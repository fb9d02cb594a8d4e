import HeraldCore

/// `{report_name}_{date}_{time}.{format}` → `Sales_2026-11-23_0700.csv`. Placeholders are filled with values made safe
/// for a file name: a report called `../../etc/passwd` cannot choose where its file goes (SFTPGo CVE-2026-30915).
public struct FileNamePattern: Sendable, Equatable {
    public static let placeholders = ["report_name", "date", "time", "format", "execution_id"]
    public let pattern: String
    /// The pattern split once into its text and placeholders, so naming a file is appending, not searching.
    private enum Part: Sendable, Equatable { case text(String), placeholder(String) }
    private var parts: [Part] = []

    public init(_ pattern: String) throws(ValidationError) {
        guard !pattern.isEmpty, pattern.count <= 200, !pattern.contains("/"), !pattern.contains("\\"), !pattern.contains("\0") else {
            throw ValidationError(field: "filename", message: "must be a file name (no / or \\), at most 200 characters")
        }
        var rest = Substring(pattern)
        var parts: [Part] = []
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ValidationError(field: "filename", message: "has a { without its }")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.placeholders.contains(name) else {
                throw ValidationError(field: "filename", message: "{\(name)} is not a placeholder; use \(Self.placeholders.map { "{\($0)}" }.joined(separator: " "))")
            }
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            parts.append(.placeholder(name))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.pattern = pattern
        self.parts = parts
    }

    /// The file name for one artifact; `local` is the slot's local date-time `YYYY-MM-DD HH:MM`.
    public func fileName(reportName: String, localDateTime: String, format: String, executionID: String) -> String {
        var name = ""
        for part in parts {
            switch part {
            case .text(let text): name += text
            case .placeholder("report_name"): name += Self.safe(reportName)
            case .placeholder("date"): name += Self.safe(String(localDateTime.prefix(10)))
            case .placeholder("time"): name += Self.safe(String(localDateTime.dropFirst(11).prefix(5).filter { $0 != ":" }))
            case .placeholder("format"): name += Self.safe(format)
            case .placeholder(_): name += Self.safe(executionID)
            }
        }
        return name == "." || name == ".." || name.isEmpty ? "report" : name
    }

    /// Letters, digits, `-`, `_`, `.` and spaces survive; anything else becomes `_`; no leading dot.
    static func safe(_ value: String) -> String {
        var result = String(value.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return (c.isLetter || c.isNumber || "-_. ".contains(c)) ? c : "_"
        })
        while result.hasPrefix(".") { result.removeFirst() }
        return String(result.prefix(120))
    }
}
