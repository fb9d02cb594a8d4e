/// ASVS V6: at least 8 characters (15 recommended), long passphrases allowed, no composition rules.
public enum PasswordPolicy {
    public static let minimumLength = 8
    public static let maximumLength = 256

    public static func validate(_ password: String) throws(ValidationError) {
        let count = password.count
        guard count >= minimumLength else {
            throw ValidationError(field: "password", message: "must be at least \(minimumLength) characters long")
        }
        guard count <= maximumLength else {
            throw ValidationError(field: "password", message: "must be at most \(maximumLength) characters long")
        }
        guard !commonPasswords.contains(password.lowercased()) else {
            throw ValidationError(field: "password", message: "is one of the most common passwords; choose another")
        }
    }

    /// A short deny-list of the passwords tried first by credential stuffing.
    static let commonPasswords: Set<String> = [
        "password", "password1", "12345678", "123456789", "1234567890", "qwertyuiop", "qwerty123", "iloveyou",
        "admin123", "administrator", "letmein1", "welcome1", "passw0rd", "11111111", "00000000", "abc12345",
        "changeme", "sunshine", "football", "baseball", "superman", "trustno1", "princess", "starwars",
    ]
}
