/// The SHA-256 of a report's result (column names, then every row), fed the same `begin`/`append` calls as the
/// renderers, so `if_changed` delivery can tell whether a run's result equals the last delivered one without
/// keeping either. The encoding is canonical: every cell is length-prefixed and NULL has its own marker, so
/// `["ab", "c"]` differs from `["a", "bc"]` and NULL differs from "". It lives here, beside SHA-256, because
/// HeraldCore stays free of C and HeraldRender does not depend on Crypto.
public struct ResultDigest: Sendable {
    private var hasher = SHA256Hasher()

    /// Version tag of the encoding: a future change of it must not compare equal to digests stored before.
    private static let encodingVersion: [UInt8] = Array("herald-result-v1".utf8)
    private static let columnsTag: UInt8 = 0x43  // "C"
    private static let rowTag: UInt8 = 0x52      // "R"
    private static let nullCell: UInt8 = 0x00
    private static let textCell: UInt8 = 0x01

    public init() {
        hasher.update(Self.encodingVersion)
    }

    public mutating func begin(columns: [String]) {
        hasher.update([Self.columnsTag] + Self.count(columns.count))
        for name in columns { hasher.update(Self.cell(name)) }
    }

    public mutating func append(_ row: [String?]) {
        var bytes = [Self.rowTag] + Self.count(row.count)
        for value in row { bytes += Self.cell(value) }
        hasher.update(bytes)
    }

    /// The 32-byte digest; call once, after the last row.
    public mutating func finalize() -> [UInt8] {
        hasher.finalize()
    }

    private static func cell(_ value: String?) -> [UInt8] {
        guard let value else { return [nullCell] }
        let utf8 = Array(value.utf8)
        return [textCell] + count(utf8.count) + utf8
    }

    /// Big-endian 64-bit length.
    private static func count(_ n: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(n).bigEndian) { Array($0) }
    }
}
