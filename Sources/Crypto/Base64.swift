import CSodium

/// Standard base64 with padding (RFC 4648 §4), as used for `HERALD_SECRET_KEY`.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        SodiumBase64.encode(bytes, variant: sodium_base64_VARIANT_ORIGINAL)
    }

    /// nil when `string` is not canonical padded base64.
    public static func decode(_ string: String) -> [UInt8]? {
        SodiumBase64.decode(string, variant: sodium_base64_VARIANT_ORIGINAL)
    }
}

/// URL- and filename-safe base64 without padding (RFC 4648 §5), for tokens in URLs and cookies.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        SodiumBase64.encode(bytes, variant: sodium_base64_VARIANT_URLSAFE_NO_PADDING)
    }

    /// nil when `string` is not unpadded base64url.
    public static func decode(_ string: String) -> [UInt8]? {
        SodiumBase64.decode(string, variant: sodium_base64_VARIANT_URLSAFE_NO_PADDING)
    }
}

/// libsodium's constant-time base64 codec, shared by both variants.
enum SodiumBase64 {
    static func encode(_ bytes: [UInt8], variant: Int32) -> String {
        Sodium.ensureInitialized()
        let capacity = sodium_base64_encoded_len(bytes.count, variant)
        var output = [CChar](repeating: 0, count: capacity)
        _ = withNonNilPointer(to: bytes) { input, length in
            sodium_bin2base64(&output, capacity, input, length, variant)
        }
        return string(fromNulTerminated: output)
    }

    static func decode(_ string: String, variant: Int32) -> [UInt8]? {
        Sodium.ensureInitialized()
        let input = Array(string.utf8)
        if input.isEmpty { return [] }
        var output = [UInt8](repeating: 0, count: input.count * 3 / 4 + 1)
        var decodedLength = 0
        let status = input.withUnsafeBufferPointer { encoded in
            encoded.withMemoryRebound(to: CChar.self) { encoded in
                sodium_base642bin(&output, output.count, encoded.baseAddress, encoded.count, nil, &decodedLength,
                                  nil, variant)
            }
        }
        guard status == 0 else { return nil }
        return Array(output[..<decodedLength])
    }
}
