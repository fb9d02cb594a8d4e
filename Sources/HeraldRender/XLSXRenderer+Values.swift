import XlsxWriter

/// How PostgreSQL's text forms become Excel values; nil means "keep it as text".
extension XLSXRenderer {
    /// A finite number whose whole part Excel shows exactly (at most 15 digits; Excel keeps 15 significant digits,
    /// so a 19-digit id would come back changed): NaN, infinity and longer integers stay text with every digit.
    /// Exponent forms come from float4/float8, which are doubles already.
    static func number(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        var wholeDigits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): return value
            case UInt8(ascii: "."): return wholeDigits <= 15 ? value : nil
            case UInt8(ascii: "0") where wholeDigits == 0: continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"): wholeDigits += 1
            default: continue
            }
        }
        return wholeDigits <= 15 ? value : nil
    }

    /// `2026-11-23` (DateStyle ISO); `infinity`, BC dates and years outside 1900–9999 stay text.
    static func date(_ text: String) -> ExcelDateTime? {
        var scanner = DigitScanner(text)
        guard let (year, month, day) = scanner.date(), scanner.atEnd else { return nil }
        return ExcelDateTime(year: year, month: month, day: day)
    }

    /// `2026-11-23 07:00:00`, with microseconds and, for timestamptz, the offset PostgreSQL printed (`+01`,
    /// `+05:30`), which is returned apart: the cell holds the wall time as shown.
    static func timestamp(_ text: String) -> (ExcelDateTime, offset: String?)? {
        var scanner = DigitScanner(text)
        guard let (year, month, day) = scanner.date(), scanner.skip(" "),
              let hour = scanner.number(digits: 2), scanner.skip(":"), let minute = scanner.number(digits: 2), scanner.skip(":"),
              let whole = scanner.number(digits: 2) else { return nil }
        var second = Double(whole)
        if scanner.skip(".") {
            guard let (fraction, digits) = scanner.digitRun() else { return nil }
            second += Double(fraction) / pow10(digits)
        }
        let offsetStart = scanner.index
        if scanner.skip("+") || scanner.skip("-") {
            guard scanner.number(digits: 2) != nil else { return nil }
            while scanner.skip(":") { guard scanner.number(digits: 2) != nil else { return nil } }
        }
        guard scanner.atEnd, let dateTime = ExcelDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let offset = scanner.index > offsetStart ? scanner.text(from: offsetStart) : nil
        return (dateTime, offset)
    }

    private static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Excel's limit for a cell's text.
    static let textLimit = 32_767

    /// Text as a cell must hold it to read back unchanged: `_xHHHH_` is how XLSX spells a character XML cannot
    /// hold (libxlsxwriter writes control characters so), so a literal one gets its underscore escaped as `_x005F_`;
    /// U+FFFE and U+FFFF, which XML forbids and libxlsxwriter passes through (the file would not open), become
    /// U+FFFD. A text longer than Excel's limit (counted as written, so escapes count) is cut and says so at its end.
    static func excelText(_ value: String) -> (text: String, cut: Bool) {
        var text = value
        if value.utf8.contains(where: { $0 == UInt8(ascii: "_") || $0 == 0xEF }) {
            let bytes = Array(value.utf8)
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "_"), index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
                   bytes[index + 2...index + 5].allSatisfy(\.isHexDigit), bytes[index + 6] == UInt8(ascii: "_") {
                    out.append(contentsOf: "_x005F".utf8)
                } else if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    index += 3
                    continue
                }
                out.append(byte)
                index += 1
            }
            text = String(decoding: out, as: UTF8.self)
        }
        guard text.utf8.count > textLimit, text.utf16.count > textLimit || text.unicodeScalars.count > textLimit else { return (text, false) }
        let note = " … [cut: \(value.count) characters in all, Excel holds \(textLimit)]"
        var kept = Substring()
        var units = note.utf16.count
        for character in text {
            units += character.utf16.count
            if units > textLimit { break }
            kept.append(character)
        }
        return (kept + note, true)
    }

    /// The report's name as an Excel sheet name: `[ ] : * ? / \` and control characters become `_`, no apostrophe
    /// at either end, at most 31 characters (UTF-16 units, as Excel counts); "Report" when nothing is left or the
    /// name would clash with the About sheet or Excel's reserved "History".
    static func sheetName(_ reportName: String) -> String {
        let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]
        let replaced = String(reportName.map { forbidden.contains($0) || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "_" : $0 })
        func trimmed(_ text: Substring) -> Substring {
            let isEdge: (Character) -> Bool = { $0 == "'" || $0.isWhitespace }
            guard let first = text.firstIndex(where: { !isEdge($0) }), let last = text.lastIndex(where: { !isEdge($0) }) else { return "" }
            return text[first...last]
        }
        var name = Substring()
        var units = 0
        for character in trimmed(replaced[...]) {
            units += character.utf16.count
            if units > 31 { break }
            name.append(character)
        }
        let result = String(trimmed(name))
        return result.isEmpty || ["about", "history"].contains(result.lowercased()) ? "Report" : result
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

/// Reads fixed-width ASCII digit fields from the front of a value.
struct DigitScanner {
    private let bytes: [UInt8]
    private(set) var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func number(digits: Int) -> Int? {
        guard index + digits <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[index..<index + digits] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    /// Up to 9 digits (microseconds need 6); more are read and dropped.
    mutating func digitRun() -> (value: Int, digits: Int)? {
        var value = 0
        var count = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            if count < 9 { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")); count += 1 }
            index += 1
        }
        return count == 0 ? nil : (value, count)
    }

    mutating func date() -> (year: Int, month: Int, day: Int)? {
        guard let year = number(digits: 4), skip("-"), let month = number(digits: 2), skip("-"), let day = number(digits: 2) else { return nil }
        return (year, month, day)
    }

    func text(from start: Int) -> String { String(decoding: bytes[start..<index], as: UTF8.self) }
}
