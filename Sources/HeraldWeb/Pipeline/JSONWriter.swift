import Foundation
import HeraldCore

/// Compact JSON for responses, written straight into bytes while the value encodes itself: keys in the order the
/// type encodes them, converted to snake_case as they are written, instants as UTC ISO-8601 with `Z`. Foundation's
/// `JSONEncoder` builds a tree of boxed values first, converts every key again for every object and sorts the keys:
/// that was 54% of `herald web`'s time in the schedule list API (measured with perf under wrk).
///
/// A `[String: V]` dictionary keeps its keys as they are (they are data, not field names) and writes them sorted.
/// A value that cannot be JSON (a NaN, a type asking for two kinds of container) throws: a 500, never an empty 200.
enum JSONWriter {
    static func encode<T: Encodable>(_ value: T, snakeCaseKeys: Bool = true) throws -> [UInt8] {
        let sink = JSONSink(snakeCaseKeys: snakeCaseKeys)
        try sink.write(value)
        if let problem = sink.problem {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: problem))
        }
        return sink.bytes
    }
}

/// A value `JSONWriter` wrote before, put into a response as it is (a list's remembered items).
struct EncodedJSON: Encodable, Sendable {
    let bytes: [UInt8]

    init(_ value: some Encodable) throws { bytes = try JSONWriter.encode(value) }

    /// Only `JSONWriter` knows it; any other encoder is refused rather than given something else.
    func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "already encoded JSON is for JSONWriter only"))
    }
}

/// The output and the containers still open; one per `JSONWriter.encode`. Containers hold their depth in `open`, so
/// writing through a container first closes whatever was opened inside it before.
/// Its state is only ever used by one thread, inside one `encode`: the run-time exclusivity checks on every append
/// (a fifth of the writer's time, measured) are turned off for it.
private final class JSONSink: Encoder {
    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// The open containers, outermost first: whether each is an object, and how many members it has so far.
    @exclusivity(unchecked) var open: [(isObject: Bool, count: Int)] = []
    /// `open.count` where each value being encoded began; a value that asks for a second container gets its first.
    @exclusivity(unchecked) var valueStarts: [Int] = []
    /// A value's `encode(to:)` has begun and asked for no container yet.
    @exclusivity(unchecked) var pending = false
    var problem: String?
    let snakeCaseKeys: Bool

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(snakeCaseKeys: Bool) {
        self.snakeCaseKeys = snakeCaseKeys
        bytes.reserveCapacity(4096)
    }

    /// Metatype comparisons, not casts, pick the leaves: this runs for every value of every response.
    func write<T: Encodable>(_ value: T) throws {
        if T.self == String.self { writeString(value as! String) }
        else if T.self == Int.self { writeInteger(value as! Int) }
        else if T.self == Bool.self { bytes.append(contentsOf: (value as! Bool) ? Self.true : Self.false) }
        else if T.self == Date.self { writeDate(value as! Date) }
        else if T.self == UUID.self { writeUUID(value as! UUID) }
        else if T.self == Double.self { try writeDouble(value as! Double) }
        else if T.self == Int64.self { writeInteger(value as! Int64) }
        else if T.self == URL.self { writeString((value as! URL).absoluteString) }
        else if T.self == EncodedJSON.self { bytes.append(contentsOf: (value as! EncodedJSON).bytes) }
        // The other integer and floating-point types (their own `encode(to:)` asks a single value container to
        // encode themselves, which would come back here). Metatypes again: a cast would cost every value a lookup.
        else if T.self == UInt64.self || T.self == UInt32.self || T.self == UInt16.self || T.self == UInt8.self
                    || T.self == UInt.self || T.self == Int32.self || T.self == Int16.self || T.self == Int8.self {
            bytes.append(contentsOf: String(describing: value).utf8)
        }
        else if T.self == Float.self { try writeDouble(Double(value as! Float)) }
        else if let dictionary = value as? any StringKeyedDictionary { try dictionary.writeMembers(to: self) }
        else {
            let start = open.count
            valueStarts.append(start)
            pending = true
            try value.encode(to: self)
            if pending { pending = false; bytes.append(contentsOf: Self.emptyObject) }
            close(downTo: start)
            valueStarts.removeLast()
        }
    }

    /// As `uuidString` spells it (upper case), without the `snprintf` per byte Foundation uses.
    func writeUUID(_ id: UUID) {
        bytes.append(0x22)
        withUnsafeBytes(of: id.uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(0x2D) }
                bytes.append(Self.upperHex[Int(byte >> 4)]); bytes.append(Self.upperHex[Int(byte & 0xF)])
            }
        }
        bytes.append(0x22)
    }

    func writeBool(_ value: Bool) { bytes.append(contentsOf: value ? Self.true : Self.false) }

    func writeDate(_ value: Date) { writeString(UTCInstant.format(Int64(value.timeIntervalSince1970.rounded(.down)))) }

    func writeNil() { bytes.append(contentsOf: Self.null) }

    func writeInteger<I: BinaryInteger>(_ value: I) {
        bytes.append(contentsOf: String(value).utf8)
    }

    func writeDouble(_ value: Double) throws {
        guard value.isFinite else { throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not a JSON number")) }
        if value == value.rounded(), abs(value) < 1e15 { writeInteger(Int64(value)) } else { bytes.append(contentsOf: "\(value)".utf8) }
    }

    func writeString(_ string: String) { JSONText.appendString(string, to: &bytes) }

    /// The separator and `"key":` of the next member of the object at `depth`.
    func writeKey(_ key: String, depth: Int, convert: Bool) {
        close(downTo: depth)
        if open[depth - 1].count > 0 { bytes.append(0x2C) }
        open[depth - 1].count += 1
        if convert && snakeCaseKeys { writeSnakeCase(key) } else { writeString(key) }
        bytes.append(0x3A)
    }

    /// The separator of the next element of the array at `depth`.
    func writeElementSeparator(depth: Int) {
        close(downTo: depth)
        if open[depth - 1].count > 0 { bytes.append(0x2C) }
        open[depth - 1].count += 1
    }

    /// `reportId` → `report_id`, `destinationIDs` → `destination_i_ds`, as Foundation's `convertToSnakeCase` does
    /// (a key that starts with an acronym differs: `URLString` → `url_string`, not `u_rl_string`). Keys are Swift
    /// identifiers: no byte of them needs escaping.
    func writeSnakeCase(_ key: String) {
        var key = key
        key.withUTF8 { utf8 in
            if utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) { return writeString(String(decoding: utf8, as: UTF8.self)) }
            bytes.append(0x22)
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte >= 0x41 && byte <= 0x5A else { bytes.append(byte); continue }
                if index > 0 {
                    let previous = utf8[index - 1]
                    let previousUpper = previous >= 0x41 && previous <= 0x5A
                    let nextLower = index + 1 < utf8.count && utf8[index + 1] >= 0x61 && utf8[index + 1] <= 0x7A
                    if (!previousUpper && previous != 0x5F) || (previousUpper && nextLower) { bytes.append(0x5F) }
                }
                bytes.append(byte + 0x20)
            }
            bytes.append(0x22)
        }
    }

    /// Opens an object or array for the value being encoded (or, asked again, hands back the one it opened).
    func openContainer(isObject: Bool) -> Int {
        if pending {
            pending = false
            bytes.append(isObject ? 0x7B : 0x5B)
            open.append((isObject, 0))
            return open.count
        }
        let depth = (valueStarts.last ?? 0) + 1
        guard depth <= open.count, open[depth - 1].isObject == isObject else {
            problem = "a value asked for two different kinds of container"
            return max(open.count, 1)
        }
        close(downTo: depth)
        return depth
    }

    func openNested(isObject: Bool) -> Int {
        bytes.append(isObject ? 0x7B : 0x5B)
        open.append((isObject, 0))
        return open.count
    }

    func close(downTo depth: Int) {
        while open.count > depth {
            bytes.append(open.removeLast().isObject ? 0x7D : 0x5D)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedWriter<Key>(sink: self, depth: openContainer(isObject: true)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedWriter(sink: self, depth: openContainer(isObject: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        if !pending { problem = "a value asked for a single value after another container" }
        return SingleValueWriter(sink: self)
    }

    static let `true` = Array("true".utf8), `false` = Array("false".utf8), null = Array("null".utf8)
    static let emptyObject = Array("{}".utf8)
    static let upperHex = Array("0123456789ABCDEF".utf8)
}

/// `[String: V]`, told apart at run time so its keys stay as they are.
private protocol StringKeyedDictionary {
    func writeMembers(to sink: JSONSink) throws
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    fileprivate func writeMembers(to sink: JSONSink) throws {
        let depth = sink.openNested(isObject: true)
        for key in keys.sorted() {
            sink.writeKey(key, depth: depth, convert: false)
            try sink.write(self[key]!)
        }
        sink.close(downTo: depth - 1)
    }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    func encodeNil(forKey key: Key) throws { sink.writeKey(key.stringValue, depth: depth, convert: true); sink.writeNil() }
    func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        sink.writeKey(key.stringValue, depth: depth, convert: true)
        try sink.write(value)
    }
    func encode(_ value: String, forKey key: Key) throws { sink.writeKey(key.stringValue, depth: depth, convert: true); sink.writeString(value) }
    func encode(_ value: Int, forKey key: Key) throws { sink.writeKey(key.stringValue, depth: depth, convert: true); sink.writeInteger(value) }
    func encode(_ value: Int64, forKey key: Key) throws { sink.writeKey(key.stringValue, depth: depth, convert: true); sink.writeInteger(value) }
    func encode(_ value: Bool, forKey key: Key) throws { sink.writeKey(key.stringValue, depth: depth, convert: true); sink.writeBool(value) }
    func encode(_ value: Double, forKey key: Key) throws { sink.writeKey(key.stringValue, depth: depth, convert: true); try sink.writeDouble(value) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        sink.writeKey(key.stringValue, depth: depth, convert: true)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink, depth: sink.openNested(isObject: true)))
    }
    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        sink.writeKey(key.stringValue, depth: depth, convert: true)
        return UnkeyedWriter(sink: sink, depth: sink.openNested(isObject: false))
    }
    func superEncoder() -> any Encoder { sink.problem = "superEncoder is not supported"; return sink }
    func superEncoder(forKey key: Key) -> any Encoder { sink.problem = "superEncoder is not supported"; return sink }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int { depth <= sink.open.count ? sink.open[depth - 1].count : 0 }

    func encodeNil() throws { sink.writeElementSeparator(depth: depth); sink.writeNil() }
    func encode<T: Encodable>(_ value: T) throws {
        sink.writeElementSeparator(depth: depth)
        try sink.write(value)
    }
    func encode(_ value: String) throws { sink.writeElementSeparator(depth: depth); sink.writeString(value) }
    func encode(_ value: Int) throws { sink.writeElementSeparator(depth: depth); sink.writeInteger(value) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        sink.writeElementSeparator(depth: depth)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink, depth: sink.openNested(isObject: true)))
    }
    func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.writeElementSeparator(depth: depth)
        return UnkeyedWriter(sink: sink, depth: sink.openNested(isObject: false))
    }
    func superEncoder() -> any Encoder { sink.problem = "superEncoder is not supported"; return sink }
}

private struct SingleValueWriter: SingleValueEncodingContainer {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }

    func encodeNil() throws { sink.pending = false; sink.writeNil() }
    func encode<T: Encodable>(_ value: T) throws {
        sink.pending = false
        try sink.write(value)
    }
    func encode(_ value: String) throws { sink.pending = false; sink.writeString(value) }
    func encode(_ value: Int) throws { sink.pending = false; sink.writeInteger(value) }
    func encode(_ value: Bool) throws { sink.pending = false; sink.writeBool(value) }
}
