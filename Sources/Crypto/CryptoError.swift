/// The one error type of the Crypto module. Its message names what failed, never key or plaintext bytes.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "Crypto: \(message)" }
}
