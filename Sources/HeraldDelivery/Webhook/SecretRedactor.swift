import Foundation

/// Removes a destination's secrets from text that may reach a `DeliveryError` or a detail line: curl's error buffer,
/// a receiver's response quoted in an error. Each secret is replaced in its raw and its percent-encoded form.
struct SecretRedactor: Sendable {
    private let secrets: [String]

    /// Empty and very short values are ignored (a 1–3 character "secret" would blank out ordinary words).
    init(_ values: [String?]) {
        var all: [String] = []
        for case let secret? in values where secret.count >= 4 {
            all.append(secret)
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret { all.append(encoded) }
            if let decoded = secret.removingPercentEncoding, decoded != secret, decoded.count >= 4 { all.append(decoded) }
        }
        secrets = all.sorted { $0.count > $1.count }
    }

    func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    func redact(_ error: DeliveryError) -> DeliveryError {
        DeliveryError(redact(error.description), permanent: error.permanent, category: error.category, retryAfter: error.retryAfter)
    }
}
