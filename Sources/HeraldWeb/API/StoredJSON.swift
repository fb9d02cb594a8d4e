import Foundation

/// A JSON document stored as text (a destination's settings), written into a response as it is: objects, arrays,
/// strings, numbers, booleans and nulls, with the keys it has.
struct StoredJSON: Encodable {
    let value: Any?

    init(_ text: String) {
        value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    private init(value: Any?) { self.value = value }

    /// JSONSerialization's booleans are NSNumbers of ObjC type `c` (`true` must not come back as 1).
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        switch value {
        case let object as [String: Any]:
            var container = encoder.container(keyedBy: Key.self)
            for key in object.keys.sorted() { try container.encode(StoredJSON(value: object[key]), forKey: Key(stringValue: key)) }
        case let array as [Any]:
            var container = encoder.unkeyedContainer()
            for element in array { try container.encode(StoredJSON(value: element)) }
        case let string as String:
            var container = encoder.singleValueContainer()
            try container.encode(string)
        case let number as NSNumber:
            var container = encoder.singleValueContainer()
            if Self.isBoolean(number) { try container.encode(number.boolValue) }
            else if let exact = Int(exactly: number.doubleValue) { try container.encode(exact) }
            else { try container.encode(number.doubleValue) }
        default:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}
