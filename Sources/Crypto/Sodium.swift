import CSodium

/// libsodium must be initialised once before use; a `static let` runs its initialiser exactly once, thread-safely.
enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0

    /// Call at the top of every public entry point. sodium_init fails only without a usable entropy source, where
    /// continuing would hand out predictable keys, so that is fatal.
    static func ensureInitialized() {
        precondition(initialized, "sodium_init() failed: no usable entropy source")
    }
}

/// Runs `body` with a pointer that is never nil, even for an empty array: some libsodium paths pass the pointer on
/// to memcpy/memmove, where nil is undefined behaviour even with a zero length.
func withNonNilPointer<R>(to bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
    if bytes.isEmpty {
        var placeholder: UInt8 = 0
        return try body(&placeholder, 0)
    }
    return try bytes.withUnsafeBufferPointer { try body($0.baseAddress!, $0.count) }
}

/// The text libsodium wrote into a NUL-terminated output buffer.
func string(fromNulTerminated buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
