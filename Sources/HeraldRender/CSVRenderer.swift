import Foundation

/// RFC 4180 CSV: CRLF line ends, fields quoted when they hold the delimiter, a quote, CR or LF, quotes doubled; UTF-8,
/// with a byte-order mark when asked (Excel reads UTF-8 without one as the local code page). A field that starts
/// with `=`, `+`, `-`, `@`, tab or CR and is not a number is prefixed with `'` so spreadsheets do not run it as a
/// formula (CSV injection, OWASP).
///
/// A truncated result gets no footer line here: any extra line would be read as data by every program that loads
/// the file. The history, the API and the e-mail say it instead.
public final class CSVRenderer: ReportRenderer {
    public enum Delimiter: String, Sendable, Codable, CaseIterable {
        case comma, semicolon, tab
        var byte: UInt8 { switch self { case .comma: 0x2C; case .semicolon: 0x3B; case .tab: 0x09 } }
    }

    public struct Options: Sendable, Equatable {
        public var delimiter: Delimiter
        public var byteOrderMark: Bool
        public init(delimiter: Delimiter = .comma, byteOrderMark: Bool = false) {
            self.delimiter = delimiter
            self.byteOrderMark = byteOrderMark
        }
    }

    public let format = "csv"
    let file: OutputFile
    let delimiter: UInt8
    let byteOrderMark: Bool

    public init(path: String, options: Options = Options()) throws {
        file = try OutputFile(path: path)
        delimiter = options.delimiter.byte
        byteOrderMark = options.byteOrderMark
    }

    public func begin(columns: [ReportColumn]) throws {
        if byteOrderMark { try file.write([0xEF, 0xBB, 0xBF]) }
        try append(columns.map { Optional($0.name) })
    }

    public func append(_ row: [String?]) throws {
        let delimiter = self.delimiter
        try file.append { Self.appendRecord(row, delimiter: delimiter, to: &$0) }
    }

    public func finish(truncated: Bool) throws { try file.close() }

    /// The whole file in memory, for results already in memory (comma, no byte-order mark).
    public static func render(columns: [String], rows: [[String?]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 * (rows.count + 1))
        appendRecord(columns.map(Optional.some), delimiter: 0x2C, to: &out)
        for row in rows { appendRecord(row, delimiter: 0x2C, to: &out) }
        return out
    }

    static func appendRecord(_ fields: [String?], delimiter: UInt8, to out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(delimiter) }
            if let field { appendField(field, delimiter: delimiter, to: &out) }
        }
        out.append(0x0D); out.append(0x0A)
    }

    static func appendField(_ raw: String, delimiter: UInt8, to out: inout [UInt8]) {
        var raw = raw
        // One pass over contiguous UTF-8 (every String PostgreSQL hands over is native): most cells need no quotes
        // and go out in one copy.
        raw.withUTF8 { bytes in
            var quoted = false
            for byte in bytes where byte == delimiter || byte == 0x22 || byte == 0x0D || byte == 0x0A {
                quoted = true
                break
            }
            let defused: Bool
            switch bytes.first {
            case 0x3D?, 0x2B?, 0x2D?, 0x40?, 0x09?, 0x0D?: defused = Double(String(decoding: bytes, as: UTF8.self)) == nil
            default: defused = false
            }
            if quoted { out.append(0x22) }
            if defused { out.append(0x27) }
            if quoted {
                for byte in bytes {
                    if byte == 0x22 { out.append(0x22) }
                    out.append(byte)
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: bytes)
            }
        }
    }
}
