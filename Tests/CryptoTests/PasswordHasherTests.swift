import Crypto
import Testing

@Suite struct PasswordHasherTests {
    @Test func verifiesTheRightPasswordAndRejectsAWrongOne() throws {
        let hash = try PasswordHasher.hash("correct horse battery staple")
        #expect(PasswordHasher.verify("correct horse battery staple", against: hash))
        #expect(!PasswordHasher.verify("correct horse battery stapler", against: hash))
        #expect(!PasswordHasher.verify("", against: hash))
    }

    @Test func producesArgon2idWithAtLeastOWASPLimits() throws {
        let hash = try PasswordHasher.hash("pw")
        #expect(hash.hasPrefix("$argon2id$v=19$"))
        let parameters = hash.split(separator: "$")[2]  // m=65536,t=2,p=1
        let values = Dictionary(uniqueKeysWithValues: parameters.split(separator: ",").map { pair in
            let parts = pair.split(separator: "=")
            return (String(parts[0]), Int(parts[1])!)
        })
        #expect(values["m"]! >= 19 * 1024)
        #expect(values["t"]! >= 2)
    }

    @Test func saltsEveryHashDifferently() throws {
        let first = try PasswordHasher.hash("same password")
        let second = try PasswordHasher.hash("same password")
        #expect(first != second)
        #expect(PasswordHasher.verify("same password", against: first))
        #expect(PasswordHasher.verify("same password", against: second))
    }

    @Test func doesNotAskToRehashAFreshHash() throws {
        #expect(!PasswordHasher.needsRehash(try PasswordHasher.hash("pw")))
    }

    @Test func asksToRehashWeakerOrForeignHashes() {
        // Argon2id with t=1, m=8 MiB: below the current limits.
        let weak = "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$2rR1fM0V0b5yBv2V8GvU1ZxG4K2m8b4w0jv1Rk3Xk9U"
        #expect(PasswordHasher.needsRehash(weak))
        #expect(PasswordHasher.needsRehash("$2y$10$abcdefghijklmnopqrstuu5Nq0F6Tq1oVQKqk1Vn5wXrQ5T8Dq0yq"))
        #expect(PasswordHasher.needsRehash("not a hash"))
    }

    @Test func rejectsMalformedHashesWithoutCrashing() {
        #expect(!PasswordHasher.verify("pw", against: ""))
        #expect(!PasswordHasher.verify("pw", against: "$argon2id$v=19$m=65536,t=2,p=1$broken"))
    }

    @Test func handlesUnicodeAndEmbeddedNULPasswords() throws {
        let password = "pässwörd 🔑\u{0}tail"
        let hash = try PasswordHasher.hash(password)
        #expect(PasswordHasher.verify(password, against: hash))
        #expect(!PasswordHasher.verify("pässwörd 🔑", against: hash))
    }
}
