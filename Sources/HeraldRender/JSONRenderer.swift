import HeraldCore

/// `{"columns":[{"name","type"}],"rows":[[...]],"truncated":bool}`, written as the rows arrive. Integers and numbers
/// are JSON numbers when PostgreSQL's text is one (`NaN` and `Infinity` stay strings), booleans are `true`/`false`,
/// everything else (dates, timestamps with their offset, text) is a string, NULL is `null`.
public final class JSONRenderer: ReportRenderer {
    public let format = "json"
    let file: OutputFile
    private var types: [ColumnType] = []
    private var rowCount = 0

    public init(path: String) throws {
        file = try OutputFile(path: path)
    }

    public func begin(columns: [ReportColumn]) throws {
        types = columns.map(\.type)
        try file.append { out in
            out.append(contentsOf: Array(#"{"columns":["#.utf8))
            for (index, column) in columns.enumerated() {
                if index > 0 { out.append(0x2C) }
                out.append(contentsOf: Array(#"{"name":"#.utf8))
                JSONText.appendString(column.name, to: &out)
                out.append(contentsOf: Array(#","type":""#.utf8))
                out.append(contentsOf: Array(column.type.rawValue.utf8))
                out.append(contentsOf: Array(#""}"#.utf8))
            }
            out.append(contentsOf: Array(#"],"rows":["#.utf8))
        }
    }

    public func append(_ row: [String?]) throws {
        let types = self.types
        let first = rowCount == 0
        rowCount += 1
        try file.append { out in
            if !first { out.append(0x2C) }
            out.append(0x5B)
            for (index, value) in row.enumerated() {
                if index > 0 { out.append(0x2C) }
                guard let value else { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]); continue }
                switch index < types.count ? types[index] : .text {
                case .integer where JSONText.isNumber(value), .number where JSONText.isNumber(value): out.append(contentsOf: Array(value.utf8))
                case .boolean where value == "t": out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
                case .boolean where value == "f": out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
                default: JSONText.appendString(value, to: &out)
                }
            }
            out.append(0x5D)
        }
    }

    public func finish(truncated: Bool) throws {
        try file.write(truncated ? #"],"truncated":true}"# : #"],"truncated":false}"#)
        try file.close()
    }
}
