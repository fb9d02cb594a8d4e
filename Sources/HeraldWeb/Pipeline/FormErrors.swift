import HeraldCore

/// The errors of a form, by field, for the GOV.UK pattern (research/ui.md §2): the summary at the top of the page
/// (`partials/error-summary`) lists every message as a link to its field's input, and each field shows its own
/// message beside it (`errors.fields.<name>`). A page handler catches `ValidationError(s)` from its service
/// (`from`), re-renders the form with what was typed, and says how the summary names each field (`labels`, else
/// the field's name in words) and where it links (`links`, else `#<field>`: inputs are id'd after their field;
/// a radio or checkbox group links to its first input).
public struct FormErrors: Sendable, Encodable {
    public struct Item: Sendable, Encodable {
        public let href: String
        public let message: String
    }

    /// The summary's lines, in the order the service found them.
    public let items: [Item]
    /// The message for each field (the first, when a field has several).
    public let fields: [String: String]
    /// Stored, not computed: Mustache reads stored properties only.
    public let any: Bool

    public init(_ errors: [ValidationError] = [], labels: [String: String] = [:], links: [String: String] = [:]) {
        var fields: [String: String] = [:]
        for error in errors where fields[error.field] == nil { fields[error.field] = error.message }
        self.fields = fields
        items = errors.map { error in
            Item(href: links[error.field] ?? "#" + error.field,
                 message: Self.sentence(error.message, label: labels[error.field] ?? Self.words(error.field)))
        }
        any = !errors.isEmpty
    }

    /// The field errors of a thrown error, or nil when it is not a validation error (let it propagate).
    public static func from(_ error: any Error, labels: [String: String] = [:], links: [String: String] = [:]) -> FormErrors? {
        switch error {
        case let error as ValidationError: FormErrors([error], labels: labels, links: links)
        case let error as ValidationErrors: FormErrors(error.errors, labels: labels, links: links)
        default: nil
        }
    }

    /// The page's `<title>`: "Error: " first when the form has errors.
    public func title(_ title: String) -> String { any ? "Error: " + title : title }

    /// Services word a message either to follow the field's name ("must be 80 characters or fewer") or as a whole
    /// instruction or statement ("choose a report", "Mars/Base is not a known IANA time zone").
    static let continuations: Set<Substring> = ["is", "must", "has", "leaves", "belongs", "names"]

    static func sentence(_ message: String, label: String) -> String {
        let first = message.prefix { $0 != " " && $0 != ":" }
        let text = continuations.contains(first) ? label + " " + message : message
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// `display_name` → "Display name".
    static func words(_ field: String) -> String { field.replacingOccurrences(of: "_", with: " ") }
}
