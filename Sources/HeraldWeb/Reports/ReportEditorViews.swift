import Foundation
import HeraldCore
import HeraldStore

/// One row of the form's parameter table, with the error of each cell (`parameters[<index>].<key>`).
struct ParameterRowView: Sendable, Encodable {
    let index: Int
    /// 1-based, for the visually hidden labels ("Name of parameter 2").
    let number: Int
    let name: String
    let label: String
    let types: [SelectOption]
    let itemTypes: [SelectOption]
    let choices: String
    let defaultText: String
    let required: Bool
    /// Declared rows can be removed; blank ones are for adding.
    let declared: Bool
    let nameError: String?
    let labelError: String?
    let typeError: String?
    let itemTypeError: String?
    let choicesError: String?
    let defaultError: String?

    /// The declared rows, then `ReportParameterRows.blankRows` empty ones.
    static func table(_ rows: ReportParameterRows, errors: [String: String]) -> [ParameterRowView] {
        let all = rows.rows + Array(repeating: ReportParameterRows.Row(), count: ReportParameterRows.blankRows)
        return all.enumerated().map { index, row in
            let declared = index < rows.rows.count
            func error(_ key: String) -> String? {
                if let found = errors["parameters[\(index)].\(key)"] { return found }
                // A default that does not resolve (a preview's `parameters.<name>`) belongs to its row's default.
                guard key == "default", declared else { return nil }
                return errors["parameters.\(row.name)"]
                    ?? errors.first { $0.key.hasPrefix("parameters.\(row.name)[") }?.value
            }
            return ParameterRowView(
                index: index, number: index + 1, name: row.name, label: row.label,
                types: ParameterType.allCases.map { SelectOption(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == row.type) },
                itemTypes: [SelectOption(value: "", label: "none", selected: row.itemType.isEmpty)]
                    + ParameterType.allCases.filter { $0 != .list }.map { SelectOption(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == row.itemType) },
                choices: row.choices, defaultText: row.defaultText, required: row.required, declared: declared,
                nameError: error("name"), labelError: error("label"), typeError: error("type"), itemTypeError: error("item_type"),
                choicesError: error("choices"), defaultError: error("default"))
        }
    }

    /// How the error summary names and links each cell of the table.
    static func summary(_ errors: [ValidationError], rows: ReportParameterRows) -> (labels: [String: String], links: [String: String]) {
        var labels: [String: String] = ["parameters": "Parameters"]
        var links: [String: String] = ["parameters": "#parameters", "preview": "#preview-error"]
        let keys = ["name": "name", "label": "label", "type": "type", "item_type": "item type", "choices": "choices", "default": "default"]
        for index in 0..<(rows.rows.count + ReportParameterRows.blankRows) {
            for (key, words) in keys {
                labels["parameters[\(index)].\(key)"] = "Parameter \(index + 1) \(words)"
                links["parameters[\(index)].\(key)"] = "#param-\(index)-\(key.replacingOccurrences(of: "_", with: "-"))"
            }
        }
        for (index, row) in rows.rows.enumerated() where !row.name.isEmpty {
            for error in errors where error.field == "parameters.\(row.name)" || error.field.hasPrefix("parameters.\(row.name)[") {
                labels[error.field] = "The default of \(row.name)"
                links[error.field] = "#param-\(index)-default"
            }
        }
        labels["preview"] = "The preview"
        return (labels, links)
    }
}

/// The preview's first rows under the form: every value text, escaped by the template; NULL shown as a word.
struct ReportPreviewView: Sendable, Encodable {
    struct Cell: Sendable, Encodable { let text: String; let isNull: Bool }
    struct Row: Sendable, Encodable { let cells: [Cell] }
    let columns: [String]
    let rows: [Row]
    let empty: Bool
    let truncated: Bool
    let summary: String

    init(_ preview: ReportPreview) {
        columns = preview.columns.map(\.name)
        rows = preview.rows.map { Row(cells: $0.map { Cell(text: $0 ?? "NULL", isNull: $0 == nil) }) }
        empty = preview.rows.isEmpty
        truncated = preview.truncated
        let count = preview.rows.count
        summary = preview.truncated ? "The first \(count) rows; the query returns more."
            : count == 0 ? "The query returned no rows." : "All \(count) row\(count == 1 ? "" : "s")."
    }
}

/// One kept version in the "Versions" section, newest first.
struct ReportVersionView: Sendable, Encodable {
    let version: Int
    let by: String
    let at: TimeView
    let sql: String
    let current: Bool

    init(_ version: ReportVersion, current: Int, zone: String) {
        self.version = version.version
        by = version.createdBy ?? "the command line"
        at = TimeView(version.createdAt, zone: zone)
        sql = version.sql
        self.current = version.version == current
    }
}
