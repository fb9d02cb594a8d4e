import CPangoCairo

/// A Pango layout on a cairo context: one paragraph of text (plain or markup) in one font, measured and drawn.
/// A renderer keeps one per kind of text and sets new text into it, instead of making a layout per cell.
public final class TextLayout {
    public enum Alignment { case left, right, center }

    let pointer: OpaquePointer
    private let context: CairoContext

    public init(context: CairoContext, font: FontDescription) throws(PangoCairoError) {
        guard let layout = pango_cairo_create_layout(context.pointer) else { throw PangoCairoError("pango_cairo_create_layout returned nothing") }
        pointer = layout
        self.context = context
        pango_layout_set_font_description(layout, font.pointer)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(pointer)) }

    /// Plain text: nothing in it is interpreted, so data can never become markup.
    public func setText(_ text: String) { pango_layout_set_text(pointer, text, -1) }

    /// Markup that was built with `PangoMarkup.escape` around every piece of text; checked before Pango sees it,
    /// because `pango_layout_set_markup` only logs a warning for bad markup.
    public func setMarkup(_ markup: String) throws(PangoCairoError) {
        try PangoMarkup.validate(markup)
        pango_layout_set_markup(pointer, markup, -1)
    }

    public func setFont(_ font: FontDescription) { pango_layout_set_font_description(pointer, font.pointer) }

    /// The width lines wrap at (words, or characters inside a word too long for a line), in points; nil: no wrapping.
    public func setWidth(_ width: Double?) {
        pango_layout_set_width(pointer, width.map { Int32(($0 * Double(PANGO_SCALE)).rounded(.down)) } ?? -1)
    }

    /// The height beyond which lines are dropped and the last one kept ends in "…", in points; nil: no limit.
    public func setMaxHeight(_ height: Double?) {
        // Without a limit ellipsizing must be off: Pango reads height -1 with ellipsizing as "one line per paragraph".
        pango_layout_set_ellipsize(pointer, height == nil ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END)
        pango_layout_set_height(pointer, height.map { Int32(($0 * Double(PANGO_SCALE)).rounded(.down)) } ?? -1)
    }

    public func setAlignment(_ alignment: Alignment) {
        switch alignment {
        case .left: pango_layout_set_alignment(pointer, PANGO_ALIGN_LEFT)
        case .right: pango_layout_set_alignment(pointer, PANGO_ALIGN_RIGHT)
        case .center: pango_layout_set_alignment(pointer, PANGO_ALIGN_CENTER)
        }
    }

    /// The laid-out text's logical size in points.
    public var size: (width: Double, height: Double) {
        var width: Int32 = 0, height: Int32 = 0
        pango_layout_get_size(pointer, &width, &height)
        return (Double(width) / Double(PANGO_SCALE), Double(height) / Double(PANGO_SCALE))
    }

    /// Draws the text with its top-left corner at (x, y) in the context's current colour.
    public func draw(x: Double, y: Double) {
        cairo_move_to(context.pointer, x, y)
        pango_cairo_show_layout(context.pointer, pointer)
    }
}
