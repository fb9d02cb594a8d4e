import CPangoCairo

/// A cairo PDF surface that hands its bytes to `write` as cairo produces them (page by page), so the caller decides
/// where the file goes and how it is created; nothing of the document is kept here beyond what cairo itself keeps.
public final class PDFSurface {
    /// Sizes in PostScript points (1/72 inch).
    public let width: Double
    public let height: Double
    let pointer: OpaquePointer
    private let sink: Sink

    /// Holds the write closure for cairo's callback; the surface owns it, so it outlives every call.
    final class Sink {
        let write: (UnsafeRawBufferPointer) -> Bool
        init(_ write: @escaping (UnsafeRawBufferPointer) -> Bool) { self.write = write }
    }

    /// `write` returns false when the bytes could not be stored; cairo then fails the surface (checked in `finish`).
    public init(width: Double, height: Double, write: @escaping (UnsafeRawBufferPointer) -> Bool) throws(PangoCairoError) {
        self.width = width
        self.height = height
        sink = Sink(write)
        let callback: cairo_write_func_t = { closure, data, length in
            guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
            return sink.write(UnsafeRawBufferPointer(start: data, count: Int(length))) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR
        }
        guard let surface = cairo_pdf_surface_create_for_stream(callback, Unmanaged.passUnretained(sink).toOpaque(), width, height) else {
            throw PangoCairoError("cairo_pdf_surface_create_for_stream returned no surface")
        }
        pointer = surface
        try PangoCairoError.check(cairo_surface_status(surface), "cannot create the PDF surface")
    }

    deinit { cairo_surface_destroy(pointer) }

    /// The document's title in its metadata (shown by viewers in the window title).
    public func setTitle(_ title: String) throws(PangoCairoError) {
        cairo_pdf_surface_set_metadata(pointer, CAIRO_PDF_METADATA_TITLE, title)
        try PangoCairoError.check(cairo_surface_status(pointer), "cannot set the PDF title")
    }

    /// Writes the rest of the document (fonts, cross-reference table); after this nothing more can be drawn.
    public func finish() throws(PangoCairoError) {
        cairo_surface_finish(pointer)
        try PangoCairoError.check(cairo_surface_status(pointer), "cannot finish the PDF")
    }
}
