import HeraldCore

/// A form's failed fields for the GOV.UK error summary (links to each field by id) and the inline messages beside
/// them (`fields.<name>`). Field names are the inputs' ids.
struct FieldErrorSummary: Sendable, Encodable {
    struct Item: Sendable, Encodable { let href: String; let message: String }
    let items: [Item]
    let fields: [String: String]
    /// Stored, not computed: Mustache reads stored properties only.
    let any: Bool

    init(_ validation: [ValidationError] = [], labels: [String: String] = [:]) {
        items = validation.map { Item(href: "#\($0.field)", message: "\(labels[$0.field] ?? $0.field.replacingOccurrences(of: "_", with: " ").capitalizedFirst) \($0.message)") }
        fields = FormErrors(validation).fields
        any = !validation.isEmpty
    }

    /// The validation errors of `error`, or nil when it is some other error (let it propagate).
    static func from(_ error: any Error, labels: [String: String] = [:]) -> FieldErrorSummary? {
        switch error {
        case let error as ValidationError: FieldErrorSummary([error], labels: labels)
        case let error as ValidationErrors: FieldErrorSummary(error.errors, labels: labels)
        default: nil
        }
    }
}

fileprivate extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
