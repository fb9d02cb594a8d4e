/// `{report_name}_{date}_{time}.{format}` → `Sales_2026-11-23_0700.csv`. Placeholders are filled with values made safe
/// for a file name: a report called `../../etc/passwd` cannot choose where its file goes (SFTPGo CVE-2026-30915).
///
/// The dates and times are the run's logical time (its slot, in the schedule's zone), so a late run or a backfill is
/// named for the period it stands for: `{date}` (`2026-11-23`), `{time}` (`0700`), `{logical_date}` (the same date,
/// for patterns that want to say so), and `{date:FORMAT}` with `yyyy`, `yy`, `MM`, `dd`, `HH`, `mm`, `ss`.
public struct FileNamePattern: Sendable, Equatable {
    public static let placeholders = ["report_name", "schedule_name", "date", "time", "logical_date", "format", "execution_id"]
    public let pattern: String
    /// The pattern split once into its text and placeholders, so naming a file is appending, not searching.
    private enum Part: Sendable, Equatable { case text(String), placeholder(String), date([DateToken]) }
    private enum DateToken: Sendable, Equatable { case text(String), field(String) }
    private static let dateFields = ["yyyy", "yy", "MM", "dd", "HH", "mm", "ss"]
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
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            if name.hasPrefix("date:") {
                parts.append(.date(try Self.dateTokens(String(name.dropFirst(5)))))
            } else {
                guard Self.placeholders.contains(name) else {
                    throw ValidationError(field: "filename", message: "{\(name)} is not a placeholder; use \(Self.placeholders.map { "{\($0)}" }.joined(separator: " ")) or {date:yyyy-MM-dd}")
                }
                parts.append(.placeholder(name))
            }
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.pattern = pattern
        self.parts = parts
    }

    /// `yyyy-MM-dd` → fields and the text between them (longest field name first, so `yyyy` is not two `yy`).
    private static func dateTokens(_ format: String) throws(ValidationError) -> [DateToken] {
        guard !format.isEmpty, !format.contains("{") else {
            throw ValidationError(field: "filename", message: "{date:…} needs a format such as {date:yyyy-MM-dd}")
        }
        var tokens: [DateToken] = []
        var rest = Substring(format)
        while !rest.isEmpty {
            if let field = dateFields.first(where: { rest.hasPrefix($0) }) {
                tokens.append(.field(field))
                rest = rest.dropFirst(field.count)
            } else {
                tokens.append(.text(String(rest.first!)))
                rest = rest.dropFirst()
            }
        }
        guard tokens.contains(where: { if case .field = $0 { true } else { false } }) else {
            throw ValidationError(field: "filename", message: "{date:\(format)} has none of yyyy, yy, MM, dd, HH, mm, ss")
        }
        return tokens
    }

    /// The file name for one artifact; `localDateTime` is the slot's local date-time `YYYY-MM-DD HH:MM[:SS]`.
    public func fileName(reportName: String, scheduleName: String = "", localDateTime: String, format: String, executionID: String) -> String {
        var name = ""
        for part in parts {
            switch part {
            case .text(let text): name += text
            case .placeholder("report_name"): name += Self.safe(reportName)
            case .placeholder("schedule_name"): name += Self.safe(scheduleName.isEmpty ? reportName : scheduleName)
            case .placeholder("date"), .placeholder("logical_date"): name += Self.safe(String(localDateTime.prefix(10)))
            case .placeholder("time"): name += Self.safe(String(localDateTime.dropFirst(11).prefix(5).filter { $0 != ":" }))
            case .placeholder("format"): name += Self.safe(format)
            case .placeholder(_): name += Self.safe(executionID)
            case .date(let tokens): name += Self.safe(Self.formatted(tokens, localDateTime))
            }
        }
        return name == "." || name == ".." || name.isEmpty ? "report" : name
    }

    private static func formatted(_ tokens: [DateToken], _ local: String) -> String {
        let digits = Array(local.filter(\.isNumber)) + Array(repeating: "0", count: 14)
        func slice(_ from: Int, _ count: Int) -> String { String(digits[from..<(from + count)]) }
        return tokens.map { token in
            switch token {
            case .text(let text): text
            case .field("yyyy"): slice(0, 4)
            case .field("yy"): slice(2, 2)
            case .field("MM"): slice(4, 2)
            case .field("dd"): slice(6, 2)
            case .field("HH"): slice(8, 2)
            case .field("mm"): slice(10, 2)
            case .field(_): slice(12, 2)
            }
        }.joined()
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
