/// One argument of a command, sent length-prefixed, so any bytes (NUL, invalid UTF-8) pass through unchanged.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case int(Int)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(_ value: String) { self = .string(value) }
    public init(_ value: [UInt8]) { self = .bytes(value) }
    public init(_ value: Int) { self = .int(value) }

    /// A float the way Redis parses it (`INCRBYFLOAT`, `ZADD` scores): shortest round-tripping decimal, `inf`/`-inf`.
    public init(_ value: Double) { self = .string("\(value)") }

    /// The bytes sent on the wire.
    public var bytes: [UInt8] {
        switch self {
        case .string(let string): Array(string.utf8)
        case .bytes(let bytes): bytes
        case .int(let int): Array(String(int).utf8)
        }
    }
}
