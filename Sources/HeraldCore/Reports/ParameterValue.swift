/// A parameter's value after checking and resolving (relative dates already turned into dates), ready to bind.
public enum ParameterValue: Equatable, Sendable {
    /// `text` and `choice` values.
    case text(String)
    case integer(Int64)
    /// Decimal text as PostgreSQL's `numeric` reads it, kept as text so no digit is lost to a Double.
    case number(String)
    case date(CivilDate)
    /// UTC seconds since 1970.
    case timestamp(Int64)
    case boolean(Bool)
    case list([ParameterValue])

    /// The text libpq sends for a text-format parameter (`PQexecParams`): it is bound, never put into the SQL.
    public var boundText: String {
        switch self {
        case .text(let value): value
        case .integer(let value): String(value)
        case .number(let value): value
        case .date(let date): Self.isoText(date)
        case .timestamp(let instant): UTCInstant.format(instant, separator: 0x20, seconds: true, suffix: "+00")
        case .boolean(let value): value ? "true" : "false"
        case .list(let values): Self.arrayLiteral(values.map(\.boundText))
        }
    }

    /// A PostgreSQL array literal with every element double-quoted, so commas, braces, quotes, backslashes and the
    /// word NULL inside a value stay data: `["a", "b\"c"]` → `{"a","b\"c"}`.
    public static func arrayLiteral(_ elements: [String]) -> String {
        var literal = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in element {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }

    /// `YYYY-MM-DD` (years are kept within 1…9999 by parsing).
    static func isoText(_ date: CivilDate) -> String {
        let year = String(date.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(date.month) + "-" + two(date.day)
    }
}

/// How a run's resolved values are kept (`executions.parameters`) and shown in its history: JSON a person reads
/// (dates as `YYYY-MM-DD`, timestamps in UTC with `Z`, decimals as their exact text).
extension ParameterValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let value), .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .date(let date): try container.encode(Self.isoText(date))
        case .timestamp(let instant): try container.encode(UTCInstant.format(instant))
        case .boolean(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        }
    }
}

extension ParameterInput {
    /// A run's resolved values as one line for its history: `from = 2026-02-01 · region = EU`, by name.
    public static func summary(_ values: [String: ParameterInput]) -> String {
        values.keys.sorted().map { "\($0) = \(values[$0]!.displayText)" }.joined(separator: " · ")
    }

    /// The value as one line of text for a page: `EU`, `2026-11-01`, `true`, `EU, US`.
    public var displayText: String {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .boolean(let value): value ? "true" : "false"
        case .list(let values): values.map(\.displayText).joined(separator: ", ")
        }
    }
}
