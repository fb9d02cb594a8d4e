import HeraldCore

/// A form's errors beside their fields: a page handler catches `ValidationError(s)` from its service, re-renders the
/// form with what was typed, and its view model exposes `errors.<field>` (swift-mustache reads dictionary keys).
public struct FormErrors: Sendable, Encodable {
    /// The message for each field (the first, when a field has several).
    public let fields: [String: String]
    /// All messages, in order, for a summary at the top of the form (`role="alert"`).
    public let messages: [String]
    public var any: Bool { !messages.isEmpty }

    public init(_ errors: [ValidationError] = []) {
        var fields: [String: String] = [:]
        for error in errors where fields[error.field] == nil { fields[error.field] = error.message }
        self.fields = fields
        messages = errors.map { "\($0.field.replacingOccurrences(of: "_", with: " ")) \($0.message)" }
    }

    /// The field errors of a thrown error, or nil when it is not a validation error (let it propagate).
    public static func from(_ error: any Error) -> FormErrors? {
        switch error {
        case let error as ValidationError: FormErrors([error])
        case let error as ValidationErrors: FormErrors(error.errors)
        default: nil
        }
    }
}
