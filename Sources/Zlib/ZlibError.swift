/// The one error type of the Zlib module: what was being done, zlib's return code and its own message (`msg`),
/// copied at once; never the data.
public struct ZlibError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "zlib: \(message)" }
}
