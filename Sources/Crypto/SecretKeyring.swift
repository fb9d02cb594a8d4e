/// The secret key in use and, while a rotation is under way, the one before it. Values are sealed under the current
/// key and stored beside its key id, so each is opened with the key that sealed it and `herald secrets rotate` can
/// find what still needs re-sealing.
public struct SecretKeyring: Sendable {
    public let currentID: String
    private let current: SecretBox
    private let previous: (id: String, box: SecretBox)?

    public init(current: [UInt8], previous: [UInt8]? = nil) throws {
        self.current = try SecretBox(key: current)
        currentID = Self.keyID(current)
        self.previous = try previous.map { (Self.keyID($0), try SecretBox(key: $0)) }
    }

    /// Names a key without revealing it: the first 8 bytes of an HMAC keyed by it, in hex.
    public static func keyID(_ key: [UInt8]) -> String {
        Hex.encode(Array(Digest.hmacSHA256(key: key, message: Array("herald secret key id".utf8)).prefix(8)))
    }

    public var previousID: String? { previous?.id }

    /// Sealed under the current key (store `currentID` beside it).
    public func seal(_ plaintext: [UInt8]) -> [UInt8] { current.seal(plaintext) }

    /// Opens a value sealed under the key `keyID` names; nil (a value sealed before key ids) tries the current key,
    /// then the previous one.
    public func open(_ sealed: [UInt8], keyID: String?) throws -> [UInt8] {
        switch keyID {
        case currentID?: return try current.open(sealed)
        case let id? where id == previous?.id: return try previous!.box.open(sealed)
        case let id?:
            throw CryptoError("the value was sealed under key \(id), which is neither HERALD_SECRET_KEY nor HERALD_SECRET_KEY_PREVIOUS")
        case nil:
            if let opened = try? current.open(sealed) { return opened }
            guard let previous else { return try current.open(sealed) }
            return try previous.box.open(sealed)
        }
    }
}
