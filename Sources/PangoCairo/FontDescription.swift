import CPangoCairo

/// A Pango font description such as `DejaVu Sans Bold 8`; fontconfig falls back to another installed font for
/// characters the family lacks (CJK from a CJK font), so text never needs to pick its own font.
public final class FontDescription {
    let pointer: OpaquePointer

    public init(_ description: String) throws(PangoCairoError) {
        guard let font = pango_font_description_from_string(description) else {
            throw PangoCairoError("pango_font_description_from_string returned nothing for \(description)")
        }
        pointer = font
    }

    deinit { pango_font_description_free(pointer) }
}
