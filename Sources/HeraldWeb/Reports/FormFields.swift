import Foundation
import HeraldCore

/// A posted form's single values, for page handlers.
struct PostedForm {
    let values: [String: [String]]

    init(_ context: RequestContext) throws { values = try context.request.form() }

    subscript(_ name: String) -> String { values[name]?.first ?? "" }

}

/// A `<select>` option.
struct SelectOption: Sendable, Encodable {
    let value: String
    let label: String
    let selected: Bool
}

