/// What kind of statement a report's SQL is, read from its first keyword (after blanks, comments and opening
/// parentheses). A report must be a query that returns rows: READ ONLY stops writes, but not `COPY … TO PROGRAM`
/// (an export, allowed in a read-only transaction to a role that may run programs) nor `SET ROLE`, which are refused
/// before anything is sent.
public enum ReportStatement {
    public static let queryKeywords: Set<String> = ["select", "with", "values", "table"]

    /// The first keyword, lowercased; "" for SQL with none.
    public static func leadingKeyword(_ sql: String) -> String {
        let bytes = Array(sql.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x28 {
                index += 1
            } else if byte == 0x2D, index + 1 < bytes.count, bytes[index + 1] == 0x2D {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else if byte == 0x2F, index + 1 < bytes.count, bytes[index + 1] == 0x2A {
                var depth = 0
                repeat {
                    if index + 1 < bytes.count, bytes[index] == 0x2F, bytes[index + 1] == 0x2A { depth += 1; index += 2 }
                    else if index + 1 < bytes.count, bytes[index] == 0x2A, bytes[index + 1] == 0x2F { depth -= 1; index += 2 }
                    else { index += 1 }
                } while depth > 0 && index < bytes.count
            } else {
                break
            }
        }
        var word: [UInt8] = []
        while index < bytes.count, (0x61...0x7A).contains(bytes[index] | 0x20), bytes[index] >= 0x41 {
            word.append(bytes[index] | 0x20)
            index += 1
        }
        return String(decoding: word, as: UTF8.self)
    }

    /// Nil when the SQL is a query; otherwise why it is refused.
    public static func refusal(_ sql: String) -> String? {
        let keyword = leadingKeyword(sql)
        guard !queryKeywords.contains(keyword) else { return nil }
        let named = keyword.isEmpty ? "this statement" : keyword.uppercased()
        return "must be a read-only query that returns rows (SELECT, WITH … SELECT, VALUES or TABLE); \(named) is not allowed in a report"
    }
}
