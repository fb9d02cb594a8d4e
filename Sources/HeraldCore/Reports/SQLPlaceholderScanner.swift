/// Walks SQL bytes, copying everything to `output` except the placeholders it hands back, so the rewriter only
/// decides what each placeholder becomes. Unterminated strings or comments are copied as they are: PostgreSQL
/// reports them better than we could.
struct SQLPlaceholderScanner {
    enum Token {
        /// `:name`; `inInList` when it is an item of an `IN (…)` list, where an array cannot go.
        case placeholder(String, inInList: Bool)
        /// `$1`, which would clash with the numbers the rewriter assigns.
        case positional(String)
    }

    let bytes: [UInt8]
    var index = 0
    private(set) var output: [UInt8] = []
    /// The last significant token (a word lowercased, or the punctuation), to recognise `IN (` and list items.
    var previous = ""
    /// One entry per open parenthesis: whether it opened an `IN (…)` list.
    var parentheses: [Bool] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        output.reserveCapacity(bytes.count)
    }

    mutating func emit(_ text: String) { output.append(contentsOf: text.utf8) }

    mutating func next() -> Token? {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                copy(to: index + 1)
            case 0x2D where peek(1) == 0x2D:
                copy(to: bytes[index...].firstIndex(of: 0x0A) ?? bytes.count)
            case 0x2F where peek(1) == 0x2A:
                copy(to: endOfBlockComment())
            case 0x27, 0x22:
                copy(to: endOfQuoted(from: index, backslashEscapes: false))
                note(byte == 0x27 ? "'" : "\"")
            case 0x24:
                if let digit = peek(1), Self.isDigit(digit) {
                    let end = bytes[(index + 1)...].firstIndex { !Self.isDigit($0) } ?? bytes.count
                    let text = String(decoding: bytes[index..<end], as: UTF8.self)
                    index = end
                    note("$")
                    return .positional(text)
                }
                copy(to: endOfDollarQuoted() ?? index + 1)
                note("$")
            case 0x3A where peek(1) == 0x3A:
                copy(to: index + 2)
                note("::")
            case 0x3A where peek(1).map(Self.isNameStart) ?? false:
                let end = bytes[(index + 1)...].firstIndex { !Self.isNameStart($0) && !Self.isDigit($0) } ?? bytes.count
                let name = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                let inInList = isListItemPosition
                index = end
                note("$")
                return .placeholder(name, inInList: inInList)
            case _ where Self.isNameStart(byte) || byte >= 0x80:
                let end = bytes[index...].firstIndex { !Self.isWordByte($0) } ?? bytes.count
                let word = String(decoding: bytes[index..<end], as: UTF8.self).lowercased()
                if word == "e", end < bytes.count, bytes[end] == 0x27 {
                    copy(to: endOfQuoted(from: end, backslashEscapes: true))
                    note("'")
                } else {
                    copy(to: end)
                    note(word)
                }
            case _ where Self.isDigit(byte):
                copy(to: bytes[index...].firstIndex { !Self.isDigit($0) && $0 != 0x2E } ?? bytes.count)
                note("0")
            default:
                // `IN ((:x))` is still an item of the list.
                if byte == 0x28 { parentheses.append(previous == "in" || isListItemPosition) }
                if byte == 0x29 { _ = parentheses.popLast() }
                copy(to: index + 1)
                note(String(UnicodeScalar(byte)))
            }
        }
        return nil
    }

    private mutating func copy(to end: Int) {
        output.append(contentsOf: bytes[index..<end])
        index = end
    }

    private var isListItemPosition: Bool { parentheses.last == true && (previous == "(" || previous == ",") }

    private mutating func note(_ token: String) { previous = token }

    private func peek(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    /// After the quote closing the literal opened at `start`; a doubled quote is part of the text, and so is a
    /// backslash-escaped one in an `E'…'` string.
    private func endOfQuoted(from start: Int, backslashEscapes: Bool) -> Int {
        let quote = bytes[start]
        var cursor = start + 1
        while cursor < bytes.count {
            if backslashEscapes && bytes[cursor] == 0x5C { cursor += 2; continue }
            if bytes[cursor] == quote {
                if cursor + 1 < bytes.count && bytes[cursor + 1] == quote { cursor += 2; continue }
                return cursor + 1
            }
            cursor += 1
        }
        return bytes.count
    }

    /// Block comments nest in PostgreSQL (unlike C).
    private func endOfBlockComment() -> Int {
        var depth = 0, cursor = index
        while cursor + 1 < bytes.count {
            if bytes[cursor] == 0x2F && bytes[cursor + 1] == 0x2A { depth += 1; cursor += 2; continue }
            if bytes[cursor] == 0x2A && bytes[cursor + 1] == 0x2F {
                depth -= 1
                cursor += 2
                if depth == 0 { return cursor }
                continue
            }
            cursor += 1
        }
        return bytes.count
    }

    /// After the closing `$tag$` when `index` opens a dollar quote (`$$` or `$tag$`); nil when it does not.
    private func endOfDollarQuoted() -> Int? {
        var cursor = index + 1
        if cursor < bytes.count, Self.isNameStart(bytes[cursor]) || bytes[cursor] >= 0x80 {
            while cursor < bytes.count, Self.isNameStart(bytes[cursor]) || Self.isDigit(bytes[cursor]) || bytes[cursor] >= 0x80 { cursor += 1 }
        }
        guard cursor < bytes.count, bytes[cursor] == 0x24 else { return nil }
        let tag = bytes[index...cursor]
        var search = cursor + 1
        while search + tag.count <= bytes.count {
            if bytes[search] == 0x24, bytes[search..<(search + tag.count)].elementsEqual(tag) { return search + tag.count }
            search += 1
        }
        return bytes.count
    }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isNameStart(_ byte: UInt8) -> Bool { byte == 0x5F || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    /// Identifier bytes after the first: PostgreSQL allows digits, `$` and any non-ASCII letter.
    static func isWordByte(_ byte: UInt8) -> Bool { isNameStart(byte) || isDigit(byte) || byte == 0x24 || byte >= 0x80 }
}
