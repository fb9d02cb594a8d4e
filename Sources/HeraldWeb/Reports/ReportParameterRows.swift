import HeraldCore

/// The report form's parameter table as posted: `param_count` rows named `param_<i>_<key>` (name, label, type,
/// item_type, choices, default, required, remove). A row left blank or ticked "remove" is dropped; the others
/// become `ReportParameter`s in their order, so a service error on `parameters[<n>]` belongs to the n-th row shown again.
struct ReportParameterRows {
    /// Rows given again (what was typed), after the dropped ones are gone.
    struct Row: Sendable {
        var name = ""
        var label = ""
        var type = ParameterType.text.rawValue
        var itemType = ""
        var choices = ""
        var defaultText = ""
        var required = false

        var isBlank: Bool {
            [name, label, choices, defaultText].allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
    }

    /// The most rows a form may post (the service allows 50 parameters; a few blank rows more).
    static let maximumRows = 60
    /// Blank rows under the declared ones, to add parameters without a script.
    static let blankRows = 3

    let rows: [Row]

    init(rows: [Row]) { self.rows = rows }

    init(_ form: PostedForm) {
        let count = min(Int(form["param_count"]) ?? 0, Self.maximumRows)
        var rows: [Row] = []
        for index in 0..<max(count, 0) {
            func value(_ key: String) -> String { form["param_\(index)_\(key)"] }
            guard value("remove").isEmpty else { continue }
            let row = Row(name: value("name").trimmingCharacters(in: .whitespaces), label: value("label").trimmingCharacters(in: .whitespaces),
                          type: value("type"), itemType: value("item_type"), choices: value("choices"), defaultText: value("default"),
                          required: !value("required").isEmpty)
            if !row.isBlank { rows.append(row) }
        }
        self.rows = rows
    }

    /// The rows of a stored report, as the table shows them.
    init(_ parameters: [ReportParameter]) {
        rows = parameters.map { parameter in
            Row(name: parameter.name, label: parameter.label, type: parameter.type.rawValue, itemType: parameter.itemType?.rawValue ?? "",
                choices: (parameter.choices ?? []).joined(separator: ", "), defaultText: parameter.default.map(Self.text) ?? "",
                required: parameter.required)
        }
    }

    /// The declared parameters, or the fields of the rows whose type is not one of the list.
    func parameters() throws(ValidationErrors) -> [ReportParameter] {
        var errors: [ValidationError] = []
        var parameters: [ReportParameter] = []
        for (index, row) in rows.enumerated() {
            guard let type = ParameterType(rawValue: row.type) else {
                errors.append(ValidationError(field: "parameters[\(index)].type", message: "choose a type from the list"))
                continue
            }
            let itemType = row.itemType.isEmpty ? nil : ParameterType(rawValue: row.itemType)
            if !row.itemType.isEmpty, itemType == nil {
                errors.append(ValidationError(field: "parameters[\(index)].item_type", message: "choose an item type from the list"))
                continue
            }
            let choices = Self.split(row.choices)
            let defaultText = row.defaultText.trimmingCharacters(in: .whitespaces)
            let value: ParameterInput? = defaultText.isEmpty ? nil
                : type == .list ? .list(Self.split(defaultText).map(ParameterInput.string)) : .string(row.defaultText)
            parameters.append(ReportParameter(name: row.name, type: type, itemType: itemType, choices: choices.isEmpty ? nil : choices,
                                              label: row.label.isEmpty ? row.name : row.label, default: value, required: row.required))
        }
        guard errors.isEmpty else { throw ValidationErrors(errors) }
        return parameters
    }

    /// `a, b ,c` → `["a", "b", "c"]`, empty pieces dropped.
    static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A default as the form writes it: a list comma-separated.
    static func text(_ input: ParameterInput) -> String {
        switch input {
        case .string(let text): text
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .boolean(let flag): flag ? "true" : "false"
        case .list(let items): items.map(text).joined(separator: ", ")
        }
    }
}
