/// JSON's text rules for writers that stream bytes (the API's encoder, the JSON export): one copy of the string
/// escaping and of the number grammar.
public enum JSONText {
    static let hex = Array("0123456789abcdef".utf8)

    /// Appends `string` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`,
    /// everything else (all of Unicode) as its UTF-8 bytes. Runs of bytes that need no escape are copied at once.
    public static func appendString(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            bytes.append(0x22)
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte == 0x22 || byte == 0x5C || byte < 0x20 else { continue }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
                case 0x0D: bytes.append(0x5C); bytes.append(0x72)
                case 0x09: bytes.append(0x5C); bytes.append(0x74)
                default:
                    bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                    bytes.append(hex[Int(byte >> 4)]); bytes.append(hex[Int(byte & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count])) }
            bytes.append(0x22)
        }
    }

    /// Whether `text` is a JSON number as written (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`): PostgreSQL's numeric and
    /// float text passes unchanged, `NaN`, `Infinity` and `1.` do not (they are written as strings instead).
    public static func isNumber(_ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        var byte = utf8.next()
        func digits() -> Int {
            var count = 0
            while let b = byte, b >= 0x30, b <= 0x39 { count += 1; byte = utf8.next() }
            return count
        }
        if byte == 0x2D { byte = utf8.next() }
        if byte == 0x30 { byte = utf8.next() } else if digits() == 0 { return false }
        if byte == 0x2E { byte = utf8.next(); guard digits() > 0 else { return false } }
        if byte == 0x65 || byte == 0x45 {
            byte = utf8.next()
            if byte == 0x2B || byte == 0x2D { byte = utf8.next() }
            guard digits() > 0 else { return false }
        }
        return byte == nil
    }
}
