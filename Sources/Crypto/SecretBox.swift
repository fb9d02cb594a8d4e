import CSodium

/// Authenticated symmetric encryption (XSalsa20-Poly1305) for secrets stored at rest. A sealed value is
/// `nonce || ciphertext+tag`; every seal draws a fresh random nonce.
public struct SecretBox: Sendable {
    public static let keyLength = 32
    static let nonceLength = Int(crypto_secretbox_NONCEBYTES)
    static let tagLength = Int(crypto_secretbox_MACBYTES)

    private let key: [UInt8]

    public init(key: [UInt8]) throws {
        guard key.count == Self.keyLength else {
            throw CryptoError("secretbox key must be \(Self.keyLength) bytes, got \(key.count)")
        }
        Sodium.ensureInitialized()
        self.key = key
    }

    /// A key from standard base64 (the form `HERALD_SECRET_KEY` takes).
    public init(base64Key: String) throws {
        guard let key = Base64.decode(base64Key) else { throw CryptoError("secretbox key is not valid base64") }
        try self.init(key: key)
    }

    /// A new random key.
    public static func generateKey() -> [UInt8] { SecureRandom.bytes(keyLength) }

    public func seal(_ plaintext: [UInt8]) -> [UInt8] {
        let nonce = SecureRandom.bytes(Self.nonceLength)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + Self.tagLength)
        let status = withNonNilPointer(to: plaintext) { message, length in
            crypto_secretbox_easy(&ciphertext, message, UInt64(length), nonce, key)
        }
        precondition(status == 0, "crypto_secretbox_easy failed")
        return nonce + ciphertext
    }

    public func open(_ sealed: [UInt8]) throws -> [UInt8] {
        guard sealed.count >= Self.nonceLength + Self.tagLength else {
            throw CryptoError("sealed value is too short (\(sealed.count) bytes) to hold a nonce and a tag")
        }
        let nonce = Array(sealed[..<Self.nonceLength])
        let ciphertext = Array(sealed[Self.nonceLength...])
        let plaintextLength = ciphertext.count - Self.tagLength
        // One spare byte keeps the output pointer non-nil for an empty plaintext.
        var plaintext = [UInt8](repeating: 0, count: plaintextLength + 1)
        let status = crypto_secretbox_open_easy(&plaintext, ciphertext, UInt64(ciphertext.count), nonce, key)
        guard status == 0 else {
            throw CryptoError("sealed value failed authentication (wrong key or tampered data)")
        }
        return Array(plaintext[..<plaintextLength])
    }
}
