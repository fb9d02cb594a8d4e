/// The run's placeholders in a subject or a Markdown body: `{report_name} {schedule_name} {date} {time}
/// {logical_date} {row_count} {execution_id}`. An unknown `{name}` stays as written.
struct EmailTemplate {
    static let placeholders = ["report_name", "schedule_name", "date", "time", "logical_date", "row_count", "execution_id"]

    let values: [String: String]

    init(_ context: DeliveryContext) {
        let local = context.localDateTime
        values = [
            "report_name": context.reportName,
            "schedule_name": context.scheduleName.isEmpty ? context.reportName : context.scheduleName,
            "date": String(local.prefix(10)),
            "time": String(local.dropFirst(11).prefix(5)),
            "logical_date": String(local.prefix(10)),
            "row_count": context.rowCount.map { String($0) + (context.truncated ? "+" : "") } ?? "",
            "execution_id": context.executionID.uuidString.lowercased(),
        ].merging(context.placeholders) { own, _ in own }
    }

    /// `template` with each placeholder replaced by its value passed through `escape`.
    func fill(_ template: String, escape: (String) -> String = { $0 }) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                out += escape(value)
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }

    /// A value made inert inside Markdown that becomes HTML: `& < > " '` as entities, every other ASCII punctuation
    /// mark backslash-escaped, so a report named `*x* <b>` shows as written and never as markup.
    static func markdownHTMLEscaped(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\r": out += " "
            default:
                if scalar.isASCII && scalar.properties.isPunctuationOrSymbol { out += "\\" }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension Unicode.Scalar.Properties {
    /// ASCII punctuation in CommonMark's sense (what a backslash may escape).
    fileprivate var isPunctuationOrSymbol: Bool {
        switch generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }
}
