import CPangoCairo

/// A cairo drawing context on a PDF surface: lines, filled rectangles and page breaks. Cairo records errors in the
/// context instead of returning them from each call, so `showPage` and `check` read its status.
public final class CairoContext {
    let pointer: OpaquePointer
    public let surface: PDFSurface

    public init(surface: PDFSurface) throws(PangoCairoError) {
        guard let context = cairo_create(surface.pointer) else { throw PangoCairoError("cairo_create returned no context") }
        pointer = context
        self.surface = surface
        try check("cannot create a cairo context")
    }

    deinit { cairo_destroy(pointer) }

    /// Colour channels from 0 to 1.
    public func setColor(red: Double, green: Double, blue: Double) { cairo_set_source_rgb(pointer, red, green, blue) }
    public func setLineWidth(_ width: Double) { cairo_set_line_width(pointer, width) }

    public func fillRectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(pointer, x, y, width, height)
        cairo_fill(pointer)
    }

    public func strokeRectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(pointer, x, y, width, height)
        cairo_stroke(pointer)
    }

    public func strokeLine(fromX: Double, fromY: Double, toX: Double, toY: Double) {
        cairo_move_to(pointer, fromX, fromY)
        cairo_line_to(pointer, toX, toY)
        cairo_stroke(pointer)
    }

    /// Ends the page: cairo writes it out, and the next drawing goes on a new one.
    public func showPage() throws(PangoCairoError) {
        cairo_show_page(pointer)
        try check("cannot emit a PDF page")
    }

    public func check(_ what: String) throws(PangoCairoError) {
        try PangoCairoError.check(cairo_status(pointer), what)
    }
}
