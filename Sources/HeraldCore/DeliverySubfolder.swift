import Foundation

/// A folder destination's place: a sub-folder relative to the configured delivery root (`HERALD_DELIVERY_ROOT`).
/// The same rule is applied when a destination is saved (form, API, CLI) and again when the scheduler delivers, so a
/// row stored before the rule existed (an absolute path, a `..`) is refused there too. Symbolic links are refused by
/// the channel, component by component, when it creates the folders.
public enum DeliverySubfolder {
    public static let maximumLength = 500

    /// `path` without empty and trailing components ("a//b/" → "a/b"), or the reason it is refused.
    public static func normalize(_ path: String, field: String = "path") throws(ValidationError) -> String {
        let trimmed = path.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ValidationError(field: field, message: "enter a sub-folder of the delivery root") }
        guard trimmed.count <= maximumLength else {
            throw ValidationError(field: field, message: "must be \(maximumLength) characters or fewer")
        }
        guard !trimmed.hasPrefix("/"), !trimmed.hasPrefix("~") else {
            throw ValidationError(field: field, message: "must be relative to the delivery root, not an absolute path")
        }
        guard !trimmed.contains("\\"), !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ValidationError(field: field, message: "must not contain backslashes or control characters")
        }
        let components = trimmed.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains(where: { $0 == ".." || $0 == "." }) else {
            throw ValidationError(field: field, message: "must stay inside the delivery root (no . or .. components)")
        }
        guard !components.isEmpty else { throw ValidationError(field: field, message: "enter a sub-folder of the delivery root") }
        return components.joined(separator: "/")
    }
}
