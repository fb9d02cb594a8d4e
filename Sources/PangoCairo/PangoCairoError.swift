import CPangoCairo

/// Cairo or Pango failed; the message is cairo's status string (or Pango's parse error), copied at once.
public struct PangoCairoError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    init(_ status: cairo_status_t, _ what: String) {
        description = "\(what): \(String(cString: cairo_status_to_string(status)))"
    }

    /// Throws when `status` is not success, naming what was being done.
    static func check(_ status: cairo_status_t, _ what: String) throws(PangoCairoError) {
        guard status == CAIRO_STATUS_SUCCESS else { throw PangoCairoError(status, what) }
    }
}
