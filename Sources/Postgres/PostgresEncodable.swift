import Foundation

/// A Swift value that can be sent as a text-format parameter.
public protocol PostgresEncodable: Sendable {
    var postgresText: String { get }
}

/// A Swift value that can be read from a text-format column.
public protocol PostgresDecodable {
    init(postgresText: String) throws(PostgresError)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self }
    public init(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText: String) throws(PostgresError) { self = try parse(postgresText, as: Int.self) { Int($0) } }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText: String) throws(PostgresError) { self = try parse(postgresText, as: Int64.self) { Int64($0) } }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText: String) throws(PostgresError) { self = try parse(postgresText, as: Int32.self) { Int32($0) } }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
    public init(postgresText: String) throws(PostgresError) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self = try parse(postgresText, as: Double.self) { Double($0) }
        }
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self ? "t" : "f" }
    public init(postgresText: String) throws(PostgresError) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw decodingError(Bool.self)
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { PostgresUUID.format(self) }
    public init(postgresText: String) throws(PostgresError) { self = try parse(postgresText, as: UUID.self) { PostgresUUID.parse($0) } }
}

extension Date: PostgresEncodable, PostgresDecodable {
    /// ISO-8601 in UTC with microseconds: PostgreSQL's own precision.
    public var postgresText: String { PostgresTimestamp.format(self) }
    public init(postgresText: String) throws(PostgresError) {
        guard let date = PostgresTimestamp.parse(postgresText) else { throw decodingError(Date.self) }
        self = date
    }
}

/// bytea, sent and read in hex format (`\x0a1b...`).
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresText: String { Element.encodeArray(self) }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public init(postgresText: String) throws(PostgresError) { self = try ByteaCodec.decode(postgresText) }
}

extension Data: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { ByteaCodec.encode([UInt8](self)) }
    public init(postgresText: String) throws(PostgresError) { self = Data(try ByteaCodec.decode(postgresText)) }
}

/// Element types an array parameter can carry: `[UInt8]` goes as bytea, the others as PostgreSQL array literals
/// (for `= ANY($1)` and `unnest($1)` batch statements).
public protocol PostgresArrayElement: Sendable {
    static func encodeArray(_ values: [Self]) -> String
}

extension UInt8: PostgresArrayElement {
    public static func encodeArray(_ values: [UInt8]) -> String { ByteaCodec.encode(values) }
}

extension PostgresArrayElement where Self: PostgresEncodable {
    /// `{"a","b \"quoted\""}`: every element double-quoted with `\` and `"` escaped, so any text round-trips.
    public static func encodeArray(_ values: [Self]) -> String {
        var bytes: [UInt8] = [0x7B]
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            bytes.append(0x22)
            for byte in value.postgresText.utf8 {
                if byte == 0x5C || byte == 0x22 { bytes.append(0x5C) }
                bytes.append(byte)
            }
            bytes.append(0x22)
        }
        bytes.append(0x7D)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String: PostgresArrayElement {}
extension Int: PostgresArrayElement {}
extension Int64: PostgresArrayElement {}
extension UUID: PostgresArrayElement {}
extension Double: PostgresArrayElement {}

/// A Codable value stored as json/jsonb.
public struct PostgresJSON<Value: Encodable & Sendable>: PostgresEncodable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
    public var postgresText: String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        // Encoding a plain Encodable value into JSON cannot fail for the types we store; a failure is a programming error.
        guard let data = try? encoder.encode(value) else { preconditionFailure("value is not JSON-encodable: \(Value.self)") }
        return String(decoding: data, as: UTF8.self)
    }
}

func decodingError(_ type: Any.Type) -> PostgresError {
    PostgresError(kind: .decoding, message: "the value is not a valid \(type)")
}

func parse<T>(_ text: String, as type: T.Type, _ make: (String) -> T?) throws(PostgresError) -> T {
    guard let value = make(text) else { throw decodingError(type) }
    return value
}

enum ByteaCodec {
    static let hexDigits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]("\\x".utf8)
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) throws(PostgresError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw decodingError([UInt8].self)
        }
        func nibble(_ c: UInt8) throws(PostgresError) -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw decodingError([UInt8].self)
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            bytes.append(try nibble(utf8[index]) << 4 | nibble(utf8[index + 1]))
            index += 2
        }
        return bytes
    }
}
