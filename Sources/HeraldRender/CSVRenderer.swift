import Foundation

/// RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF, quotes doubled. A field that
/// starts with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so spreadsheets do not run it as a formula
/// (CSV injection, OWASP).
public enum CSVRenderer {
    public static func render(columns: [String], rows: [[String?]]) -> [UInt8] {
        var out = ""
        out.reserveCapacity(64 * (rows.count + 1))
        append(columns.map(Optional.some), to: &out)
        for row in rows { append(row, to: &out) }
        return Array(out.utf8)
    }

    static func append(_ fields: [String?], to out: inout String) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            out += escape(field ?? "")
        }
        out += "\r\n"
    }

    static func escape(_ raw: String) -> String {
        var value = raw
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(value) == nil {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
