/// The one error type of the XlsxWriter module: what was being done and libxlsxwriter's own text for the error
/// (`lxw_strerror`), never cell values.
public struct XlsxWriterError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "libxlsxwriter: \(message)" }
}
