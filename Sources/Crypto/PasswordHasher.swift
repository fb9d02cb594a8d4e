import CSodium

/// Argon2id password hashes in libsodium's self-describing string form (`$argon2id$v=19$m=...`), so parameters can
/// be raised later and old hashes still verify (`needsRehash` tells when to upgrade on sign-in).
public enum PasswordHasher {
    /// libsodium's "interactive" limits: 2 passes over 64 MiB, above OWASP's 19 MiB / 2 minimum.
    static var opsLimit: UInt64 { UInt64(crypto_pwhash_opslimit_interactive()) }
    static var memLimit: Int { crypto_pwhash_memlimit_interactive() }

    public static func hash(_ password: String) throws -> String {
        Sodium.ensureReady()
        var out = [CChar](repeating: 0, count: crypto_pwhash_strbytes())
        let status = password.withCString { chars in
            crypto_pwhash_str_alg(&out, chars, UInt64(password.utf8.count), opsLimit, memLimit, crypto_pwhash_ALG_ARGON2ID13)
        }
        guard status == 0 else { throw CryptoError("could not hash the password (out of memory?)") }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func verify(_ password: String, against hash: String) -> Bool {
        Sodium.ensureReady()
        return password.withCString { chars in
            crypto_pwhash_str_verify(hash, chars, UInt64(password.utf8.count)) == 0
        }
    }

    public static func needsRehash(_ hash: String) -> Bool {
        Sodium.ensureReady()
        return crypto_pwhash_str_needs_rehash(hash, opsLimit, memLimit) != 0
    }
}
