import CPangoCairo

/// Pango markup is XML-like: text that is put into markup must be escaped first, or `<` and `&` in data would be
/// read as tags and entities.
public enum PangoMarkup {
    /// `<`, `>`, `&`, `'` and `"` as entities (`g_markup_escape_text`).
    public static func escape(_ text: String) -> String {
        guard let escaped = g_markup_escape_text(text, -1) else { return "" }
        defer { g_free(escaped) }
        return String(cString: escaped)
    }

    /// Throws Pango's own message when `markup` does not parse.
    public static func validate(_ markup: String) throws(PangoCairoError) {
        var error: UnsafeMutablePointer<GError>?
        guard pango_parse_markup(markup, -1, 0, nil, nil, nil, &error) == 0 else { return }
        let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
        if let error { g_error_free(error) }
        throw PangoCairoError("invalid Pango markup: \(message)")
    }
}
