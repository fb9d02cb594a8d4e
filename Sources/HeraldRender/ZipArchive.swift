import Foundation
import Zlib

/// A new zip archive of files already on disk (a run's exports), written as it goes: each file is read in chunks,
/// deflated (zlib, raw deflate) and its CRC-32 computed on the way, so memory holds a chunk, never a file. The CRC and
/// sizes are known only at the end of an entry: they are written into its local header in place (the archive is a
/// regular file), so no data descriptor is needed and every reader finds them where it first looks.
///
/// Zip64: an entry whose data may pass 4 GiB gets a Zip64 extra field in its local header; sizes and offsets past
/// 4 GiB and more than 65,534 entries go in Zip64 fields of the central directory and end records, which Python's
/// `zipfile`, Info-ZIP's `unzip` 6, 7-Zip and the Windows Explorer of Windows 8 on read.
///
/// Created exclusively (an existing file is an error, never overwritten); only `finish` makes it a valid archive,
/// and a caller whose `add` failed removes the file.
public final class ZipArchive {
    public let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var flushedBytes: UInt64 = 0
    private var entries: [ZipRecords.Entry] = []
    private let deflater: RawDeflater
    private var chunk = [UInt8](repeating: 0, count: ZipArchive.chunkSize)
    /// Where sizes and offsets move to Zip64 fields: 4 GiB - 1, lower only in tests.
    private let zip64Limit: UInt64
    /// An `add` failed part-way: the file ends in a partial entry, so nothing more may be written to it.
    private var broken = false
    private static let chunkSize = 256 * 1024

    public convenience init(path: String, mode: mode_t = 0o640) throws(RenderError) {
        try self.init(path: path, mode: mode, zip64Limit: UInt64(ZipRecords.all32))
    }

    init(path: String, mode: mode_t = 0o640, zip64Limit: UInt64) throws(RenderError) {
        do { deflater = try RawDeflater() } catch { throw RenderError("zip: \(error)") }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw RenderError("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        descriptor = fd
        self.zip64Limit = zip64Limit
        buffer.reserveCapacity(Self.chunkSize + 64 * 1024)
    }

    deinit { if descriptor >= 0 { Foundation.close(descriptor) } }

    /// Adds the file at `sourcePath` as the entry `name` (one path segment, see `ZipEntryName`), deflated, with the file's
    /// modification time.
    public func add(fileAt sourcePath: String, name: String) throws(RenderError) {
        guard descriptor >= 0 else { throw RenderError("zip: \(path) is already finished") }
        guard !broken else { throw RenderError("zip: \(path) is incomplete after an earlier failure") }
        let nameBytes = try ZipEntryName.validated(name)
        let source = open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw RenderError("zip: cannot open \(sourcePath): \(String(cString: strerror(errno)))") }
        defer { Foundation.close(source) }
        var info = stat()
        guard fstat(source, &info) == 0 else { throw RenderError("zip: cannot read \(sourcePath): \(String(cString: strerror(errno)))") }
        let expectedSize = UInt64(info.st_size)
        let zip64 = expectedSize >= zip64Limit || deflater.bound(forInputOf: expectedSize) >= zip64Limit
        let modified = DOSDateTime(unixSeconds: Int(info.st_mtim.tv_sec))

        broken = true
        let headerOffset = offset
        try write(ZipRecords.localHeader(name: nameBytes, modified: modified, zip64: zip64))
        let dataOffset = offset
        var crc = CRC32()
        var size: UInt64 = 0
        do {
            try deflater.reset()
            while true {
                let count = try readChunk(from: source, path: sourcePath)
                if count == 0 { break }
                size += UInt64(count)
                crc.update(chunk[..<count])
                try deflater.compress(chunk[..<count], into: &buffer)
                try flushIfFull()
            }
            try deflater.finish(into: &buffer)
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError("zip: \(error)")
        }
        guard size == expectedSize else { throw RenderError("zip: \(sourcePath) changed while it was being archived") }

        let entry = ZipRecords.Entry(name: nameBytes, modified: modified, crc: crc.value, compressedSize: offset - dataOffset,
                                     uncompressedSize: size, localHeaderOffset: headerOffset, zip64Local: zip64)
        // Only a local header with a Zip64 field can hold sizes of 4 GiB; deflateBound made sure this never trips.
        guard zip64 || (entry.compressedSize < zip64Limit && entry.uncompressedSize < zip64Limit) else {
            throw RenderError("zip: \(name) grew past 4 GiB while it was being archived")
        }
        try flush()
        for patch in ZipRecords.patches(for: entry) {
            try writeAt(patch.bytes, offset: headerOffset + UInt64(patch.offset))
        }
        entries.append(entry)
        broken = false
    }

    /// Writes the central directory and the end records and closes the file: only now is it a valid archive.
    public func finish() throws(RenderError) {
        guard descriptor >= 0 else { throw RenderError("zip: \(path) is already finished") }
        guard !broken else { throw RenderError("zip: \(path) is incomplete after an earlier failure") }
        let directoryOffset = offset
        for entry in entries { try write(ZipRecords.centralHeader(entry, limit: zip64Limit)) }
        try write(ZipRecords.end(entries: entries.count, directoryOffset: directoryOffset, directorySize: offset - directoryOffset,
                                 limit: zip64Limit))
        try flush()
        let fd = descriptor
        descriptor = -1
        guard Foundation.close(fd) == 0 else { throw RenderError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// The entries so far (for a caller that reports what the archive holds).
    public var entryCount: Int { entries.count }

    // MARK: Output

    /// Bytes of the archive so far, written or buffered (deflate appends to the buffer directly).
    private var offset: UInt64 { flushedBytes + UInt64(buffer.count) }

    private func write(_ bytes: [UInt8]) throws(RenderError) {
        buffer.append(contentsOf: bytes)
        try flushIfFull()
    }

    private func flushIfFull() throws(RenderError) {
        if buffer.count >= Self.chunkSize { try flush() }
    }

    private func flush() throws(RenderError) {
        if let failed = OutputFile.writeAll(buffer, to: descriptor) {
            throw RenderError("cannot write \(path): \(String(cString: strerror(failed)))")
        }
        flushedBytes += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAt(_ bytes: [UInt8], offset position: UInt64) throws(RenderError) {
        let n = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(position)) }
        guard n == bytes.count else { throw RenderError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    private func readChunk(from source: Int32, path sourcePath: String) throws(RenderError) -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw RenderError("zip: cannot read \(sourcePath): \(String(cString: strerror(errno)))") }
            return n
        }
    }
}
