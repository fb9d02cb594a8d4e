import CSodium

/// Authenticated encryption for secrets at rest (XSalsa20-Poly1305). Sealed form: nonce || ciphertext+tag.
public struct SecretBox: Sendable {
    public static let keyLength = Int(crypto_secretbox_KEYBYTES)
    static let nonceLength = Int(crypto_secretbox_NONCEBYTES)
    static let tagLength = Int(crypto_secretbox_MACBYTES)

    private let key: [UInt8]

    public init(key: [UInt8]) throws {
        guard key.count == Self.keyLength else { throw CryptoError("a secretbox key must be \(Self.keyLength) bytes, not \(key.count)") }
        Sodium.ensureReady()
        self.key = key
    }

    public func seal(_ plaintext: [UInt8]) -> [UInt8] {
        let nonce = SecureRandom.bytes(Self.nonceLength)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + Self.tagLength)
        let status = crypto_secretbox_easy(&ciphertext, plaintext, UInt64(plaintext.count), nonce, key)
        precondition(status == 0, "crypto_secretbox_easy cannot fail with valid lengths")
        return nonce + ciphertext
    }

    public func open(_ sealed: [UInt8]) throws -> [UInt8] {
        guard sealed.count >= Self.nonceLength + Self.tagLength else { throw CryptoError("the sealed value is too short") }
        let nonce = Array(sealed[..<Self.nonceLength])
        let ciphertext = Array(sealed[Self.nonceLength...])
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count - Self.tagLength)
        guard crypto_secretbox_open_easy(&plaintext, ciphertext, UInt64(ciphertext.count), nonce, key) == 0 else {
            throw CryptoError("the sealed value was tampered with or sealed with another key")
        }
        return plaintext
    }
}
