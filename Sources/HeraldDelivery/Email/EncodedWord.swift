import Foundation

/// RFC 2047 encoded-words and RFC 5322 folding for header values that are not plain ASCII (a subject in German, a
/// sender's name in Japanese), and RFC 2231 parameters for non-ASCII file names. Every line it makes stays under 78
/// characters where the text allows, and never reaches 998.
enum EncodedWord {
    /// The folding break: CRLF then one space (unfolding removes the CRLF and keeps the space).
    static let fold = "\r\n "

    /// Whether `text` can go into a header as it is: printable ASCII, and nothing a decoder would take for an
    /// encoded-word.
    static func isPlain(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !text.contains("=?")
    }

    /// `text` as `=?UTF-8?B?…?=` words, each at most 75 characters and split only between characters, so every
    /// word decodes alone. The first holds fewer bytes when it shares its line with `firstLineUsed` characters (the
    /// header's name), so that its line stays within 78.
    static func words(_ text: String, firstLineUsed: Int = 0) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = max(6, min(45, (78 - firstLineUsed - 12) / 4 * 3))
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > limit {
                words.append(word(chunk))
                chunk = []
                limit = 45
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(word(chunk)) }
        return words
    }

    private static func word(_ bytes: [UInt8]) -> String { "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?=" }

    /// An unstructured value (a subject): ASCII folded at spaces, anything else as encoded-words, one per line.
    static func unstructured(_ text: String, headerName: String) -> String {
        let used = headerName.count + 2
        if isPlain(text) { return foldAtSpaces(text, firstLineUsed: used) }
        return words(text, firstLineUsed: used).joined(separator: fold)
    }

    /// A display name before `<address>`: quoted when ASCII (so `,` or `;` in it stay part of the name), else
    /// encoded-words (which may not stand inside quotes).
    static func displayName(_ name: String, headerName: String) -> String {
        if isPlain(name) {
            return quoted(name)
        }
        return words(name, firstLineUsed: headerName.count + 2).joined(separator: fold)
    }

    /// Breaks ASCII text at spaces so lines stay under 78 characters where a space allows it.
    static func foldAtSpaces(_ text: String, firstLineUsed: Int) -> String {
        var lines: [String] = []
        var line = ""
        var used = firstLineUsed
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if line.isEmpty && lines.isEmpty {
                line = String(word)
            } else if used + line.count + 1 + word.count > 78 && !line.trimmingCharacters(in: .whitespaces).isEmpty {
                lines.append(line)
                used = 0
                line = String(word)
            } else {
                line += " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: fold)
    }

    /// `name="value"` for an ASCII value; else `name*=UTF-8''percent-encoded` (RFC 2231), split into numbered
    /// continuations (`name*0*=`, `name*1*=` …) on lines of their own when long.
    static func parameter(_ name: String, _ value: String) -> String {
        if isPlain(value) && value.count < 60 {
            return "\(name)=" + quoted(value)
        }
        var pieces: [String] = []
        var piece = ""
        for character in value {
            let encoded = String(character).utf8.map(percentEncoded).joined()
            if !piece.isEmpty && piece.count + encoded.count > 54 {
                pieces.append(piece)
                piece = ""
            }
            piece += encoded
        }
        pieces.append(piece)
        if pieces.count == 1 { return "\(name)*=UTF-8''" + pieces[0] }
        return pieces.enumerated().map { index, piece in
            "\(name)*\(index)*=" + (index == 0 ? "UTF-8''" : "") + piece
        }.joined(separator: ";" + fold)
    }

    /// A quoted-string: `\` and `"` escaped with a backslash.
    static func quoted(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) else { return "\"" + text + "\"" }
        var out = "\""
        for character in text {
            if character == "\\" || character == "\"" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }

    /// RFC 2231's attribute characters stay; every other byte becomes `%XX`.
    private static func percentEncoded(_ byte: UInt8) -> String {
        let scalar = Unicode.Scalar(byte)
        let keep = byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "!#$&+-.^_`|~".unicodeScalars.contains(scalar))
        return keep ? String(Character(scalar)) : String(format: "%%%02X", byte)
    }
}
