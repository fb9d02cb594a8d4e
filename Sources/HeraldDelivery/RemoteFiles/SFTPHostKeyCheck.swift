import Crypto

/// The SFTP server's host key against the destination's pinned fingerprint (`SHA256:` + base64 of the SHA-256 of
/// the key blob, as `ssh-keygen -l` prints it). Without a pin every key is accepted and remembered, so the channel can
/// hand it to `ChannelEnvironment.hostKeyLearned` after the first successful connection.
final class SFTPHostKeyCheck {
    /// The pin, as unpadded base64 (nil: none configured).
    let pinned: String?
    /// The fingerprint of the last key the server offered, unpadded base64.
    private(set) var seen: String?
    /// The last key offered did not match the pin.
    private(set) var refused = false

    init(pinned: String?) throws {
        guard let pin = pinned?.trimmingSpaces, !pin.isEmpty else {
            self.pinned = nil
            return
        }
        let bare = Self.unpadded(pin.lowercased().hasPrefix("sha256:") ? String(pin.dropFirst(7)) : pin)
        guard Base64.decode(Self.padded(bare))?.count == 32 else {
            throw DeliveryError("host key: the pinned host key \(pin.prefix(60)) is not a SHA256 fingerprint (SHA256: and 43 base64 characters); edit the destination",
                                permanent: true, category: "host key")
        }
        self.pinned = bare
    }

    /// The host key callback: records the key's fingerprint and says whether it may be used.
    func accept(_ key: [UInt8]) -> Bool {
        let fingerprint = Self.unpadded(Base64.encode(Digest.sha256(key)))
        seen = fingerprint
        refused = pinned.map { $0 != fingerprint } ?? false
        return !refused
    }

    /// The key that was refused, as the history shows it: both fingerprints and what to do.
    var changedKeyError: DeliveryError {
        DeliveryError("host key: the server's host key changed: expected SHA256:\(pinned ?? ""), got SHA256:\(seen ?? "?"); if this is intended, clear the pinned key on the destination",
                      permanent: true, category: "host key")
    }

    /// A fingerprint to store as the destination's pin: seen on a connection that succeeded, and none was pinned.
    var learned: String? { pinned == nil ? seen.map { "SHA256:" + $0 } : nil }

    static func unpadded(_ base64: String) -> String { String(base64.reversed().drop { $0 == "=" }.reversed()) }

    static func padded(_ base64: String) -> String { base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4) }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
