import CSodium

/// SHA-256 over data that arrives in pieces (a result streamed row by row), so nothing has to be held whole. A copy
/// carries on from the same state independently (libsodium's state is a plain struct).
public struct SHA256Hasher: Sendable {
    private var state = crypto_hash_sha256_state()
    private var finished = false

    public init() {
        Sodium.ensureInitialized()
        let status = crypto_hash_sha256_init(&state)
        precondition(status == 0, "crypto_hash_sha256_init failed")
    }

    public mutating func update(_ bytes: [UInt8]) {
        precondition(!finished, "SHA256Hasher updated after finalize")
        let status = withNonNilPointer(to: bytes) { input, length in
            crypto_hash_sha256_update(&state, input, UInt64(length))
        }
        precondition(status == 0, "crypto_hash_sha256_update failed")
    }

    /// The digest of everything given to `update`; the hasher takes no more input after.
    public mutating func finalize() -> [UInt8] {
        precondition(!finished, "SHA256Hasher finalized twice")
        finished = true
        var output = [UInt8](repeating: 0, count: Digest.sha256Length)
        let status = crypto_hash_sha256_final(&state, &output)
        precondition(status == 0, "crypto_hash_sha256_final failed")
        return output
    }
}
