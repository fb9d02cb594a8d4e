/// A decoded RESP2 reply.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int)
    case bulk([UInt8])
    case null
    case array([RedisReply])

    /// A bulk string decoded as UTF-8 (nil if it is not valid UTF-8), or a status.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(validating: bytes, as: UTF8.self)
        case .status(let status): status
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding a decimal integer (what `GET` returns for a counter).
    public var int: Int? {
        switch self {
        case .integer(let int): int
        case .bulk(let bytes): Int(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { bytes } else { nil }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    public var isNull: Bool { self == .null }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { message } else { nil }
    }
}
