import CSodium

/// SHA-256, HMAC-SHA-256 and constant-time comparison.
public enum Digest {
    public static let sha256Length = Int(crypto_hash_sha256_BYTES)

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var output = [UInt8](repeating: 0, count: sha256Length)
        let status = withNonNilPointer(to: bytes) { input, length in
            crypto_hash_sha256(&output, input, UInt64(length))
        }
        precondition(status == 0, "crypto_hash_sha256 failed")
        return output
    }

    /// Lowercase hex SHA-256 of the string's UTF-8 bytes.
    public static func sha256Hex(_ string: String) -> String {
        Hex.encode(sha256(Array(string.utf8)))
    }

    /// HMAC-SHA-256 with a key of any length (RFC 2104: longer keys are hashed first).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var output = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        var status = withNonNilPointer(to: key) { keyBytes, keyLength in
            crypto_auth_hmacsha256_init(&state, keyBytes, keyLength)
        }
        precondition(status == 0, "crypto_auth_hmacsha256_init failed")
        status = withNonNilPointer(to: message) { input, length in
            crypto_auth_hmacsha256_update(&state, input, UInt64(length))
        }
        precondition(status == 0, "crypto_auth_hmacsha256_update failed")
        status = crypto_auth_hmacsha256_final(&state, &output)
        precondition(status == 0, "crypto_auth_hmacsha256_final failed")
        return output
    }

    /// Compares without leaking where the first difference is. Lengths are not secret: different lengths are
    /// unequal at once.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        Sodium.ensureInitialized()
        return sodium_memcmp(a, b, a.count) == 0
    }
}
