import CSodium

/// Cryptographically secure random bytes and URL-safe tokens (session ids, CSRF tokens, API tokens).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        Sodium.ensureInitialized()
        var output = [UInt8](repeating: 0, count: count)
        output.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return output
    }

    /// `byteCount` random bytes as base64url without padding (32 bytes → 43 characters).
    public static func token(byteCount: Int = 32) -> String {
        Base64URL.encode(bytes(byteCount))
    }
}
