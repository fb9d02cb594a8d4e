import Crypto
import Foundation

/// A signed, expiring download link `/downloads/<id>?expires=<unix>&sig=<hex>`: the signature is
/// HMAC-SHA256(secret key, "<id>|<expires>"), so whoever holds the link may fetch that one file until it expires,
/// and nobody can make one for another file or a later time without the key. The web issues short-lived ones to a
/// signed-in user; a worker issues ones that last days for the people an email or a webhook reaches.
public struct ArtifactLink: Sendable, Equatable {
    /// How long a link the web hands to a signed-in user works.
    public static let lifetimeSeconds: Int64 = 300

    public let artifactID: UUID
    public let expires: Int64
    public let signature: String

    public init(artifactID: UUID, expires: Int64, key: [UInt8]) {
        self.artifactID = artifactID
        self.expires = expires
        signature = Self.sign(artifactID: artifactID, expires: expires, key: key)
    }

    /// The path and query, for a redirect or to prefix with the base URL.
    public var path: String { "/downloads/\(artifactID.uuidString.lowercased())?expires=\(expires)&sig=\(signature)" }

    public static func issue(for id: UUID, key: [UInt8], lifetime: Int64 = lifetimeSeconds, now: Date = Date()) -> ArtifactLink {
        ArtifactLink(artifactID: id, expires: Int64(now.timeIntervalSince1970) + lifetime, key: key)
    }

    /// True when `signature` is this server's for `id` and `expires`, and `expires` has not passed.
    public static func verify(id: UUID, expires: String?, signature: String?, key: [UInt8], now: Date = Date()) -> Bool {
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
