import Crypto
import Foundation

/// A signed, expiring download link `/downloads/<id>?expires=<unix>&sig=<hex>`: the signature is
/// HMAC-SHA256(secret key, "<id>|<expires>"), so whoever holds the link may fetch that one file until it expires,
/// and nobody can make one for another file or a later time without the key.
struct ArtifactLink: Sendable, Equatable {
    /// How long a link works.
    static let lifetimeSeconds: Int64 = 300

    let artifactID: UUID
    let expires: Int64
    let signature: String

    init(artifactID: UUID, expires: Int64, key: [UInt8]) {
        self.artifactID = artifactID
        self.expires = expires
        signature = Self.sign(artifactID: artifactID, expires: expires, key: key)
    }

    /// The path and query, for a redirect or to prefix with the base URL.
    var path: String { "/downloads/\(artifactID.uuidString.lowercased())?expires=\(expires)&sig=\(signature)" }

    static func issue(for id: UUID, key: [UInt8], now: Date = Date()) -> ArtifactLink {
        ArtifactLink(artifactID: id, expires: Int64(now.timeIntervalSince1970) + lifetimeSeconds, key: key)
    }

    /// True when `signature` is this server's for `id` and `expires`, and `expires` has not passed.
    static func verify(id: UUID, expires: String?, signature: String?, key: [UInt8], now: Date = Date()) -> Bool {
        guard let expires, let seconds = Int64(expires), let signature, signature.utf8.count == 64 else { return false }
        let expected = sign(artifactID: id, expires: seconds, key: key)
        guard Digest.constantTimeEqual(Array(expected.utf8), Array(signature.lowercased().utf8)) else { return false }
        return seconds >= Int64(now.timeIntervalSince1970)
    }

    static func sign(artifactID: UUID, expires: Int64, key: [UInt8]) -> String {
        let message = Array("\(artifactID.uuidString.lowercased())|\(expires)".utf8)
        return Digest.hmacSHA256(key: key, message: message).map { String(format: "%02x", $0) }.joined()
    }
}
