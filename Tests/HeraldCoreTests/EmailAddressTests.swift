import Testing
@testable import HeraldCore

struct EmailAddressTests {
    @Test func normalisesTheDomainAndKeepsTheLocalPart() throws {
        #expect(try EmailAddress(" Ada.Lovelace@Example.ORG ").value == "Ada.Lovelace@example.org")
        #expect(try EmailAddress("admin@localhost").value == "admin@localhost")
    }

    @Test(arguments: ["", "no-at-sign", "a@b@c.org", "@example.org", "ada@", "ada@nodot", "ada@example.org\r\nBcc: x@y.z",
                      "ada lovelace@example.org", "ada@.org"])
    func rejectsMalformedAddresses(raw: String) {
        #expect(throws: ValidationError.self) { try EmailAddress(raw) }
    }

    @Test func passwordPolicyNamesTheProblem() {
        #expect(throws: ValidationError(field: "password", message: "must be at least 8 characters long")) {
            try PasswordPolicy.validate("short")
        }
        #expect(throws: ValidationError.self) { try PasswordPolicy.validate("password1") }
        #expect(throws: Never.self) { try PasswordPolicy.validate("a long and unusual passphrase") }
    }
}
