import CSodium

/// Argon2id password hashes in the PHC string format (`$argon2id$v=19$m=...,t=...,p=1$salt$hash`), with libsodium's
/// INTERACTIVE limits (ops 2, 64 MiB), above the OWASP minimum (ops 2, 19 MiB).
public enum PasswordHasher {
    static var opsLimit: UInt64 { UInt64(crypto_pwhash_argon2id_opslimit_interactive()) }
    static var memLimit: Int { Int(crypto_pwhash_argon2id_memlimit_interactive()) }
    static let prefix = "$argon2id$"

    /// A fresh hash with a random salt, so hashing the same password twice gives different strings.
    public static func hash(_ password: String) throws -> String {
        Sodium.ensureInitialized()
        var output = [CChar](repeating: 0, count: Int(crypto_pwhash_argon2id_strbytes()))
        let length = UInt64(password.utf8.count)
        let status = password.withCString { pw in
            crypto_pwhash_str_alg(&output, pw, length, opsLimit, memLimit, crypto_pwhash_ALG_ARGON2ID13)
        }
        guard status == 0 else { throw CryptoError("password hashing failed (out of memory)") }
        return string(fromNulTerminated: output)
    }

    /// True when `password` matches `hash`; false for a wrong password and for a malformed hash.
    public static func verify(_ password: String, against hash: String) -> Bool {
        Sodium.ensureInitialized()
        let length = UInt64(password.utf8.count)
        return hash.withCString { stored in
            password.withCString { pw in crypto_pwhash_str_verify(stored, pw, length) == 0 }
        }
    }

    /// True when `hash` is not an Argon2id hash with the current limits (or is malformed): rehash at the next
    /// successful sign-in.
    public static func needsRehash(_ hash: String) -> Bool {
        Sodium.ensureInitialized()
        guard hash.hasPrefix(prefix) else { return true }
        return hash.withCString { crypto_pwhash_str_needs_rehash($0, opsLimit, memLimit) } != 0
    }
}
