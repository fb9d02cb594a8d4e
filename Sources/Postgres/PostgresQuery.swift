/// SQL plus its parameters. Written as string interpolation, every interpolated value becomes a `$n` placeholder
/// bound through `PQexecParams`, so values are never spliced into SQL text:
///
/// ```swift
/// try connection.query("SELECT id FROM users WHERE email = \(email) AND role = \(role)")
/// ```
/// SQL text itself can only be spliced with the visibly unsafe `\(unsafeRaw: ...)`.
public struct PostgresQuery: ExpressibleByStringInterpolation, Sendable {
    public var sql: String
    /// Text-format parameters; nil is SQL NULL.
    public var binds: [String?]

    public init(unsafeSQL: String, binds: [String?] = []) {
        self.sql = unsafeSQL
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            binds.append(value?.postgresText)
            sql += "$\(binds.count)"
        }

        /// Splices another query (a predicate built by code) with its parameters, renumbering its `$n` to follow ours.
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            let offset = binds.count
            var text = ""
            var index = fragment.sql.startIndex
            while index < fragment.sql.endIndex {
                let character = fragment.sql[index]
                index = fragment.sql.index(after: index)
                guard character == "$" else { text.append(character); continue }
                var digits = ""
                while index < fragment.sql.endIndex, fragment.sql[index].isASCII, fragment.sql[index].isNumber {
                    digits.append(fragment.sql[index])
                    index = fragment.sql.index(after: index)
                }
                text += digits.isEmpty ? "$" : "$\(Int(digits)! + offset)"
            }
            sql += text
            binds += fragment.binds
        }

        /// Splices SQL text as is. Only for trusted fragments (identifiers chosen by code), never for user input.
        public mutating func appendInterpolation(unsafeRaw fragment: String) { sql += fragment }
    }
}
