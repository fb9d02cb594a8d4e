import Foundation
import HeraldCore

/// Decodes a request's JSON body, and says what went wrong the way the API answers: JSON that does not parse, or is
/// not an object, is a 400 (`HTTPError`); JSON that parses but has a field of the wrong type or misses a required one
/// is a 422 (`ValidationErrors`) naming the field by its snake_case path (`recurrence.kind`, `destination_ids[1]`),
/// as the services name theirs.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, convertingFromSnakeCase: Bool) throws -> T {
        let decoder = JSONDecoder()
        if convertingFromSnakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        // `.iso8601` loses the coding path of a bad date; this keeps it, so the error names the field.
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = try? Date.ISO8601FormatStyle().parse(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: dateMessage)
            }
            return date
        }
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw failure(error, data: data) { _ = try decoder.decode(T.self, from: $0) }
        }
    }

    static let dateMessage = "must be a date and time in ISO 8601 (2026-03-29T08:00:00Z)"

    /// `retry` decodes another body as the failed call did, to find a number Foundation will not place.
    private static func failure(_ error: DecodingError, data: Data, retry: (Data) throws -> Void) -> any Error {
        switch error {
        case .keyNotFound(let key, let context):
            return invalid(field(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            guard !context.codingPath.isEmpty else { return HTTPError(.badRequest, "the JSON body is invalid: expected an object") }
            return invalid(field(context.codingPath), "must be \(typeName(type))")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return invalid(field(context.codingPath), valueMessage(context.debugDescription))
        case .dataCorrupted:
            guard let body = try? JSONSerialization.jsonObject(with: data) else {
                return HTTPError(.badRequest, "the JSON body is invalid: not valid JSON")
            }
            // The body parses, so this is swift-foundation reporting a number that does not fit its integer field
            // as "not valid JSON" with no path (swiftlang/swift-foundation#1604).
            if let path = unfitNumber(in: body, retry: retry) { return invalid(path, "must be an integer") }
            return HTTPError(.badRequest, "the JSON body is invalid")
        @unknown default:
            return HTTPError(.badRequest, "the JSON body is invalid")
        }
    }

    private static func invalid(_ field: String, _ message: String) -> ValidationErrors {
        ValidationErrors([ValidationError(field: field, message: message)])
    }

    /// The first number that is not a whole `Int` and whose replacement by 0 changes the outcome of decoding.
    private static func unfitNumber(in body: Any, retry: (Data) throws -> Void) -> String? {
        var candidates: [(path: [JSONPathStep], text: String)] = []
        func walk(_ value: Any, _ path: [JSONPathStep]) {
            guard candidates.count < 32 else { return }
            switch value {
            case let object as [String: Any]: for (key, item) in object.sorted(by: { $0.key < $1.key }) { walk(item, path + [.key(key)]) }
            case let array as [Any]: for (index, item) in array.enumerated() { walk(item, path + [.index(index)]) }
            case is Bool: break
            case let number as NSNumber where Int(exactly: number.doubleValue) == nil: candidates.append((path, number.stringValue))
            default: break
            }
        }
        walk(body, [])
        for candidate in candidates {
            guard let data = try? JSONSerialization.data(withJSONObject: replacing(candidate.path[...], in: body)) else { continue }
            do { try retry(data) } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty { continue } catch {}
            return candidate.path.reduce(into: "") { result, step in
                switch step {
                case .key(let key): result += (result.isEmpty ? "" : ".") + key
                case .index(let index): result += "[\(index)]"
                }
            }
        }
        return nil
    }

    private enum JSONPathStep { case key(String), index(Int) }

    private static func replacing(_ path: ArraySlice<JSONPathStep>, in value: Any) -> Any {
        guard let step = path.first else { return 0 }
        switch (step, value) {
        case (.key(let key), var object as [String: Any]):
            object[key] = object[key].map { replacing(path.dropFirst(), in: $0) }
            return object
        case (.index(let index), var array as [Any]) where array.indices.contains(index):
            array[index] = replacing(path.dropFirst(), in: array[index])
            return array
        default: return value
        }
    }

    /// `[recurrence, timeZone]` → `recurrence.time_zone`; array indices in brackets.
    static func field(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { result, key in
            if let index = key.intValue { result += "[\(index)]"; return }
            result += (result.isEmpty ? "" : ".") + snakeCase(key.stringValue)
        }
    }

    /// The JSON name of a Swift key: `displayName` → `display_name`, `sourceURL` → `source_url`; snake_case stays.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (i, c) in characters.enumerated() {
            if c.isUppercase, i > 0, !characters[i - 1].isUppercase || (i + 1 < characters.count && characters[i + 1].isLowercase) {
                result += "_"
            }
            result += c.lowercased()
        }
        return result
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type, is Int16.Type, is Int8.Type,
             is UInt.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type, is UInt8.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default: "a \(type)"
        }
    }

    /// A value of the right JSON type that its Swift type refuses (an unknown enum case, a malformed UUID or date).
    static func valueMessage(_ detail: String) -> String {
        if detail == dateMessage { return detail }
        if detail.contains("UUID") { return "must be a UUID" }
        if detail.contains("does not fit") { return "must be an integer" }
        return "is not one of the accepted values"
    }
}
