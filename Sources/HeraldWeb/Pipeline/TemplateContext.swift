import Foundation

/// A typed view model as the dictionaries and arrays swift-mustache reads. Given a struct, swift-mustache finds
/// each `{{name}}` with `Mirror`, reflecting every field of every object on the context stack for every lookup: that
/// was 74% of `herald web`'s time on `/schedules` (measured with perf under wrk). A `[String: Any]` is looked up
/// by hashing. The view models stay typed; only what the template engine is handed changes.
///
/// Values keep what the template saw before: strings, numbers and booleans as themselves, `Date` and `UUID`
/// unchanged, a nil optional as a missing key (so a lookup goes on up the context stack, as with `Mirror`).
enum TemplateContext {
    static func make<T: Encodable>(_ view: T) throws -> Any {
        try TreeEncoder.value(of: view) ?? [String: Any]()
    }
}

private final class TreeEncoder: Encoder {
    /// What the value encoded: a leaf, or a box still being filled.
    @exclusivity(unchecked) var result: Any?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Leaves by metatype comparison (no casts for the common cases), anything else by its own `encode(to:)`.
    static func value<T: Encodable>(of value: T) throws -> Any? {
        if T.self == String.self || T.self == Int.self || T.self == Bool.self || T.self == Double.self
            || T.self == Date.self || T.self == UUID.self || T.self == Int64.self || T.self == UInt64.self
            || T.self == UInt32.self || T.self == UInt16.self || T.self == UInt8.self || T.self == UInt.self
            || T.self == Int32.self || T.self == Int16.self || T.self == Int8.self || T.self == Float.self {
            return value
        }
        let encoder = TreeEncoder()
        try value.encode(to: encoder)
        return resolve(encoder.result)
    }

    /// Boxes become plain dictionaries and arrays once their value is complete.
    static func resolve(_ value: Any?) -> Any? {
        switch value {
        case let box as ObjectBox: return box.hasNested ? box.members.mapValues { resolve($0) ?? NSNull() } : box.members
        case let box as ArrayBox: return box.hasNested ? box.items.map { resolve($0) ?? NSNull() } : box.items
        default: return value
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box = (result as? ObjectBox) ?? ObjectBox()
        result = box
        return KeyedEncodingContainer(ObjectWriter<Key>(box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box = (result as? ArrayBox) ?? ArrayBox()
        result = box
        return ArrayWriter(box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { LeafWriter(encoder: self) }
}

/// `hasNested`: a nested container's box sits among the members (hand-written `encode(to:)` only).
private final class ObjectBox {
    @exclusivity(unchecked) var members: [String: Any] = [:]
    var hasNested = false
}

private final class ArrayBox {
    @exclusivity(unchecked) var items: [Any] = []
    var hasNested = false
}

private struct ObjectWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    var codingPath: [any CodingKey] { [] }

    /// An explicit nil is a missing key, as a nil optional field was to `Mirror`.
    func encodeNil(forKey key: Key) throws { box.members[key.stringValue] = nil }
    func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.members[key.stringValue] = try TreeEncoder.value(of: value)
    }
    func encode(_ value: String, forKey key: Key) throws { box.members[key.stringValue] = value }
    func encode(_ value: Int, forKey key: Key) throws { box.members[key.stringValue] = value }
    func encode(_ value: Bool, forKey key: Key) throws { box.members[key.stringValue] = value }
    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        box.members[key.stringValue] = nested
        box.hasNested = true
        return KeyedEncodingContainer(ObjectWriter<NestedKey>(box: nested))
    }
    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        box.members[key.stringValue] = nested
        box.hasNested = true
        return ArrayWriter(box: nested)
    }
    func superEncoder() -> any Encoder { TreeEncoder() }
    func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder() }
}

private struct ArrayWriter: UnkeyedEncodingContainer {
    let box: ArrayBox
    var codingPath: [any CodingKey] { [] }
    var count: Int { box.items.count }

    func encodeNil() throws { box.items.append(NSNull()) }
    func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try TreeEncoder.value(of: value) ?? NSNull())
    }
    func encode(_ value: String) throws { box.items.append(value) }
    func encode(_ value: Int) throws { box.items.append(value) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        box.items.append(nested)
        box.hasNested = true
        return KeyedEncodingContainer(ObjectWriter<NestedKey>(box: nested))
    }
    func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        box.items.append(nested)
        box.hasNested = true
        return ArrayWriter(box: nested)
    }
    func superEncoder() -> any Encoder { TreeEncoder() }
}

private struct LeafWriter: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { [] }

    func encodeNil() throws { encoder.result = nil }
    func encode<T: Encodable>(_ value: T) throws { encoder.result = try TreeEncoder.value(of: value) }
    func encode(_ value: String) throws { encoder.result = value }
    func encode(_ value: Int) throws { encoder.result = value }
    func encode(_ value: Bool) throws { encoder.result = value }
}
