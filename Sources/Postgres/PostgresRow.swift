import Foundation

/// A result's column names, shared by its rows, with each name's position (rows are read by name, many times).
final class PostgresColumnNames: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}

/// One result row, copied out of the PGresult at once (text values; nil is NULL).
public struct PostgresRow: Sendable {
    public var columns: [String] { names.names }
    let names: PostgresColumnNames
    let values: [String?]

    init(columns: PostgresColumnNames, values: [String?]) {
        self.names = columns
        self.values = values
    }

    init(columns: [String], values: [String?]) {
        self.init(columns: PostgresColumnNames(columns), values: values)
    }

    func text(_ column: String) throws(PostgresError) -> String? {
        guard let index = names.index[column] else {
            throw PostgresError(kind: .decoding, message: "no such column in the result (columns: \(columns.joined(separator: ", ")))",
                                column: column)
        }
        return values[index]
    }

    public func isNull(_ column: String) throws -> Bool { try text(column) == nil }

    /// Decodes a NOT NULL column; NULL or a malformed value is an error naming the column and the type.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let text = try text(column) else {
            throw PostgresError(kind: .decoding, message: "is NULL but \(T.self) is not optional", column: column)
        }
        do {
            return try T(postgresText: text)
        } catch {
            throw PostgresError(kind: .decoding, message: error.message, column: column)
        }
    }

    /// Decodes a nullable column. The default lets `let x: Date? = try row.decode("c")` pick this one: without it,
    /// Swift took the NOT NULL overload and wrapped its result, so a NULL threw instead of giving nil.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T?.Type = T?.self) throws -> T? {
        guard try text(column) != nil else { return nil }
        return try decode(column, as: T.self)
    }

    /// Decodes a json/jsonb column into a Codable value.
    public func decodeJSON<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let text = try text(column) else {
            throw PostgresError(kind: .decoding, message: "is NULL but \(T.self) is not optional", column: column)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw PostgresError(kind: .decoding, message: "the JSON does not decode as \(T.self): \(Self.describe(error))", column: column)
        }
    }

    /// Names the failing JSON path without echoing values.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON" }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context): return "expected \(type) at \(path(context.codingPath))"
        case .valueNotFound(let type, let context): return "expected \(type) at \(path(context.codingPath))"
        case .dataCorrupted(let context): return "invalid JSON at \(path(context.codingPath))"
        @unknown default: return "invalid JSON"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
