/// The byte layouts of the zip records this writer emits (PKWARE APPNOTE 6.3.x, little-endian): the local header
/// before each entry's data, the central directory header per entry, and the end records. A size or offset that
/// does not fit 32 bits (a count, 16) is stored as all ones and given in a Zip64 extra field or end record.
enum ZipRecords {
    static let all32: UInt32 = 0xFFFF_FFFF
    static let all16: UInt16 = 0xFFFF
    static let deflated: UInt16 = 8
    /// General purpose flag bit 11: the name is UTF-8.
    static let utf8Names: UInt16 = 1 << 11
    static let versionDeflate: UInt16 = 20
    static let versionZip64: UInt16 = 45
    /// Made by Unix (3) so unzip applies the permission bits in the external attributes, spec version 4.5.
    static let versionMadeBy: UInt16 = 3 << 8 | 45
    static let zip64ExtraTag: UInt16 = 0x0001
    static let localHeaderLength = 30

    /// What the central directory says of one entry.
    struct Entry {
        let name: [UInt8]
        let modified: DOSDateTime
        let crc: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
        /// The local header carries a Zip64 extra field (its sizes were all ones).
        let zip64Local: Bool
    }

    /// The local header, written before the data with a CRC and sizes of zero: `patch` fills them in once known.
    /// `zip64`: the sizes go in a Zip64 extra field (the entry may pass 4 GiB).
    static func localHeader(name: [UInt8], modified: DOSDateTime, zip64: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt32(0x0403_4B50))
        bytes.appendLittleEndian(zip64 ? versionZip64 : versionDeflate)
        bytes.appendLittleEndian(utf8Names)
        bytes.appendLittleEndian(deflated)
        bytes.appendLittleEndian(modified.time)
        bytes.appendLittleEndian(modified.date)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(zip64 ? all32 : 0)
        bytes.appendLittleEndian(zip64 ? all32 : 0)
        bytes.appendLittleEndian(UInt16(name.count))
        bytes.appendLittleEndian(UInt16(zip64 ? 20 : 0))
        bytes += name
        if zip64 {
            bytes.appendLittleEndian(zip64ExtraTag)
            bytes.appendLittleEndian(UInt16(16))
            bytes.appendLittleEndian(UInt64(0))
            bytes.appendLittleEndian(UInt64(0))
        }
        return bytes
    }

    /// The bytes that complete a local header: where they go (from the header's start) and what they are.
    static func patches(for entry: Entry) -> [(offset: Int, bytes: [UInt8])] {
        var crc: [UInt8] = []
        crc.appendLittleEndian(entry.crc)
        var sizes: [UInt8] = []
        if entry.zip64Local {
            sizes.appendLittleEndian(entry.uncompressedSize)
            sizes.appendLittleEndian(entry.compressedSize)
            return [(14, crc), (localHeaderLength + entry.name.count + 4, sizes)]
        }
        sizes.appendLittleEndian(UInt32(entry.compressedSize))
        sizes.appendLittleEndian(UInt32(entry.uncompressedSize))
        return [(14, crc + sizes)]
    }

    /// One central directory header; `limit` is where 32-bit fields give way to the Zip64 extra field.
    static func centralHeader(_ entry: Entry, limit: UInt64) -> [UInt8] {
        var extra: [UInt8] = []
        func field(_ value: UInt64) -> UInt32 {
            guard value >= limit else { return UInt32(value) }
            extra.appendLittleEndian(value)
            return all32
        }
        // The extra field's values go in this order: uncompressed size, compressed size, offset.
        let uncompressed = field(entry.uncompressedSize)
        let compressed = field(entry.compressedSize)
        let offset = field(entry.localHeaderOffset)
        let zip64 = !extra.isEmpty || entry.zip64Local
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt32(0x0201_4B50))
        bytes.appendLittleEndian(versionMadeBy)
        bytes.appendLittleEndian(zip64 ? versionZip64 : versionDeflate)
        bytes.appendLittleEndian(utf8Names)
        bytes.appendLittleEndian(deflated)
        bytes.appendLittleEndian(entry.modified.time)
        bytes.appendLittleEndian(entry.modified.date)
        bytes.appendLittleEndian(entry.crc)
        bytes.appendLittleEndian(compressed)
        bytes.appendLittleEndian(uncompressed)
        bytes.appendLittleEndian(UInt16(entry.name.count))
        bytes.appendLittleEndian(UInt16(extra.isEmpty ? 0 : 4 + extra.count))
        bytes.appendLittleEndian(UInt16(0))             // comment length
        bytes.appendLittleEndian(UInt16(0))             // disk number start
        bytes.appendLittleEndian(UInt16(0))             // internal attributes
        bytes.appendLittleEndian(UInt32(0o100644) << 16) // a regular file, rw-r--r--
        bytes.appendLittleEndian(offset)
        bytes += entry.name
        if !extra.isEmpty {
            bytes.appendLittleEndian(zip64ExtraTag)
            bytes.appendLittleEndian(UInt16(extra.count))
            bytes += extra
        }
        return bytes
    }

    /// The end of the archive: a Zip64 end record and its locator when a count, size or offset passes its field,
    /// then the classic end record (with all ones in the fields that did not fit).
    static func end(entries: Int, directoryOffset: UInt64, directorySize: UInt64, limit: UInt64) -> [UInt8] {
        let count = UInt64(entries)
        let zip64 = count >= UInt64(all16) || directoryOffset >= limit || directorySize >= limit
        var bytes: [UInt8] = []
        if zip64 {
            let recordOffset = directoryOffset + directorySize
            bytes.appendLittleEndian(UInt32(0x0606_4B50))
            bytes.appendLittleEndian(UInt64(44))        // the record's size after this field
            bytes.appendLittleEndian(versionMadeBy)
            bytes.appendLittleEndian(versionZip64)
            bytes.appendLittleEndian(UInt32(0))         // this disk
            bytes.appendLittleEndian(UInt32(0))         // the directory's disk
            bytes.appendLittleEndian(count)
            bytes.appendLittleEndian(count)
            bytes.appendLittleEndian(directorySize)
            bytes.appendLittleEndian(directoryOffset)
            bytes.appendLittleEndian(UInt32(0x0706_4B50))
            bytes.appendLittleEndian(UInt32(0))
            bytes.appendLittleEndian(recordOffset)
            bytes.appendLittleEndian(UInt32(1))         // disks in all
        }
        let count16 = count >= UInt64(all16) ? all16 : UInt16(count)
        bytes.appendLittleEndian(UInt32(0x0605_4B50))
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(count16)
        bytes.appendLittleEndian(count16)
        bytes.appendLittleEndian(directorySize >= limit ? all32 : UInt32(directorySize))
        bytes.appendLittleEndian(directoryOffset >= limit ? all32 : UInt32(directoryOffset))
        bytes.appendLittleEndian(UInt16(0))             // comment length
        return bytes
    }
}

fileprivate extension [UInt8] {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}
