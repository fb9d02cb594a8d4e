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
        /// Over UTF-8 bytes, and not at all when there is nothing to renumber: a list query splices a dozen
        /// fragments per request (walking them by `Character` was a tenth of the schedule list API, measured).
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            let offset = binds.count
            binds += fragment.binds
            guard offset > 0, !fragment.binds.isEmpty else { sql += fragment.sql; return }
            var text: [UInt8] = []
            text.reserveCapacity(fragment.sql.utf8.count + 8)
            // The digits of a `$n` being read, after its `$` was copied (nil: not after a `$`).
            var number: Int? = nil
            var digits = false
            for byte in fragment.sql.utf8 {
                if let n = number, byte >= 0x30 && byte <= 0x39 { number = n * 10 + Int(byte - 0x30); digits = true; continue }
                if let n = number, digits { text += String(n + offset).utf8 }
                number = nil
                text.append(byte)
                if byte == 0x24 { number = 0; digits = false }
            }
            if let n = number, digits { text += String(n + offset).utf8 }
            sql += String(decoding: text, as: UTF8.self)
        }

        /// Splices SQL text as is. Only for trusted fragments (identifiers chosen by code), never for user input.
        public mutating func appendInterpolation(unsafeRaw fragment: String) { sql += fragment }
    }
}
