/// Text typed into a search box, made safe for `ILIKE`: its `\`, `%` and `_` match themselves.
enum LikePattern {
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    /// Matches values that contain `text` anywhere.
    static func containing(_ text: String) -> String { "%" + escaped(text) + "%" }
}
