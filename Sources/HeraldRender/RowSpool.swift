import Foundation

/// Rows kept on disk while a result streams in, for a format that must read them more than once (a PDF counts its
/// pages before it draws "n / N"). Each row is its cell count then, per cell, the UTF-8 length plus one (0 for NULL)
/// as LEB128 varints followed by the bytes. The file is unlinked as soon as it is opened, so it disappears with the
/// descriptor however the process ends; memory holds one 64 KiB buffer (or one cell, if a cell is longer).
final class RowSpool {
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let capacity = 64 * 1024

    /// `path`: a new file name next to the output (same disk, same permissions), never an existing file.
    init(path: String) throws(RenderError) {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RenderError("cannot create \(path): \(String(cString: strerror(errno)))") }
        descriptor = fd
        guard unlink(path) == 0 else { throw RenderError("cannot unlink \(path): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.capacity)
    }

    deinit { close(descriptor) }

    func append(_ row: [String?]) throws(RenderError) {
        Self.appendVarint(row.count, to: &buffer)
        for cell in row {
            guard let cell else { buffer.append(0); continue }
            Self.appendVarint(cell.utf8.count + 1, to: &buffer)
            buffer.append(contentsOf: cell.utf8)
        }
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Reads every row back from the start, in order; can be called again for another pass.
    func forEachRow(_ body: ([String?]) throws -> Void) throws {
        try flush()
        var reader = Reader(descriptor: descriptor)
        while let count = try reader.varint() {
            var row: [String?] = []
            row.reserveCapacity(count)
            for _ in 0..<count {
                guard let length = try reader.varint() else { throw RenderError("the row spool ends inside a row") }
                row.append(length == 0 ? nil : try reader.string(length - 1))
            }
            try body(row)
        }
    }

    private func flush() throws(RenderError) {
        var written = 0
        let failed = buffer.withUnsafeBytes { raw -> Int32? in
            while written < raw.count {
                let n = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return errno }
                written += n
            }
            return nil
        }
        if let failed { throw RenderError("cannot write the row spool: \(String(cString: strerror(failed)))") }
        buffer.removeAll(keepingCapacity: true)
    }

    static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var rest = UInt(value)
        while rest >= 0x80 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// Sequential reads with `pread` from offset 0, so the writer's file position does not matter.
    struct Reader {
        let descriptor: Int32
        var offset: off_t = 0
        var bytes: [UInt8] = []
        var position = 0

        init(descriptor: Int32) { self.descriptor = descriptor }

        /// Makes `count` bytes available from `position`; false at the end of the file.
        mutating func fill(_ count: Int) throws(RenderError) -> Bool {
            if bytes.count - position >= count { return true }
            bytes.removeFirst(position)
            position = 0
            var chunk = [UInt8](repeating: 0, count: max(RowSpool.capacity, count - bytes.count))
            while bytes.count < count {
                let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, offset) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw RenderError("cannot read the row spool: \(String(cString: strerror(errno)))") }
                if n == 0 { return false }
                offset += off_t(n)
                bytes.append(contentsOf: chunk[0..<n])
            }
            return true
        }

        mutating func varint() throws(RenderError) -> Int? {
            var value = 0, shift = 0
            while true {
                guard try fill(1) else {
                    if shift == 0 { return nil }
                    throw RenderError("the row spool ends inside a number")
                }
                let byte = bytes[position]
                position += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        mutating func string(_ length: Int) throws(RenderError) -> String {
            guard try fill(length) else { throw RenderError("the row spool ends inside a value") }
            defer { position += length }
            return String(decoding: bytes[position..<position + length], as: UTF8.self)
        }
    }
}
