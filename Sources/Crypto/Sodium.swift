import CSodium

/// libsodium must be initialised once before use; `sodium_init` is itself thread-safe and idempotent, and a
/// `static let` runs it exactly once.
enum Sodium {
    static let ready: Bool = sodium_init() >= 0

    static func ensureReady() {
        precondition(ready, "libsodium could not be initialised")
    }
}

/// Every failure of the Crypto module. Never carries key or plaintext bytes.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
