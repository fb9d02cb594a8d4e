/// A zip entry's name, refused unless it is one safe path segment: an archive that a person unzips must not write
/// outside the folder it is unzipped into or hide a file (no `/`, `\`, `..`, NUL or control character, no leading
/// dot), and zip stores a name's length in 16 bits. Names are stored as UTF-8 (general purpose flag bit 11).
/// The caller (the file-name pattern) sanitises names; this only refuses what slipped through.
enum ZipEntryName {
    static let maximumBytes = 255

    static func validated(_ name: String) throws(RenderError) -> [UInt8] {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw RenderError("zip: an entry name is empty") }
        guard bytes.count <= maximumBytes else { throw RenderError("zip: the entry name is longer than \(maximumBytes) bytes") }
        guard bytes.first != UInt8(ascii: ".") else { throw RenderError("zip: the entry name \"\(name)\" starts with a dot") }
        guard !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 == 0x7F }) else {
            throw RenderError("zip: the entry name \"\(name.debugDescription.dropFirst().dropLast())\" holds a path separator or a control character")
        }
        return bytes
    }
}
