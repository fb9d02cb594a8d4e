import Glibc

/// A file read as base64 in lines of 76 characters separated by CRLF (no line end after the last), as MIME wants
/// it, a block at a time: the source of `CurlMime.Part.base64FileData`.
///
/// Why not libcurl's own `base64` encoder on a file part: libcurl 7.88 encodes through a 256-byte buffer and reads a
/// file part once per fill of its upload buffer, so each fill carried ~345 bytes and a 1 MB attachment went out in
/// ~4,000 `send` calls (and as many reads by the server). Read here, each fill is a whole upload buffer.
final class Base64FileReader {
    /// Raw bytes per line: 57 → 76 characters.
    static let lineBytes = 57
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private let fd: Int32
    let encodedSize: Int64
    private var raw: [UInt8]
    /// Encoded bytes made but not handed out yet.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var startedLines = false
    private var atEnd = false

    /// nil when the file cannot be opened.
    init?(path: String, linesPerBlock: Int = 840) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        fstat(fd, &info)
        self.fd = fd
        encodedSize = Self.encodedSize(Int64(info.st_size))
        raw = [UInt8](repeating: 0, count: Self.lineBytes * max(1, linesPerBlock))
    }

    deinit { close(fd) }

    static func encodedSize(_ size: Int64) -> Int64 {
        guard size > 0 else { return 0 }
        let lines = (size + Int64(lineBytes) - 1) / Int64(lineBytes)
        return (size + 2) / 3 * 4 + (lines - 1) * 2
    }

    /// Back to the first byte (curl rewinds a MIME tree before each transfer).
    func rewind() -> Bool {
        guard lseek(fd, 0, SEEK_SET) == 0 else { return false }
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        startedLines = false
        atEnd = false
        return true
    }

    /// Copies up to `room` encoded bytes into `buffer`; 0 at the end, -1 on a read error.
    func read(into buffer: UnsafeMutableRawPointer, room: Int) -> Int {
        var written = 0
        while written < room {
            if pendingStart == pending.count {
                if atEnd { break }
                guard refill() else { return written > 0 ? written : -1 }
                if pendingStart == pending.count { break }
            }
            let n = min(room - written, pending.count - pendingStart)
            pending.withUnsafeBytes { (buffer + written).copyMemory(from: $0.baseAddress! + pendingStart, byteCount: n) }
            pendingStart += n
            written += n
        }
        return written
    }

    /// Encodes the next block of the file into `pending`; false on a read error.
    private func refill() -> Bool {
        var filled = 0
        let capacity = raw.count
        while filled < capacity {
            let n = raw.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, capacity - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if n == 0 { atEnd = true; break }
            filled += n
        }
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        raw.withUnsafeBufferPointer { source in
            var offset = 0
            while offset < filled {
                if startedLines { pending.append(13); pending.append(10) }
                startedLines = true
                let end = min(offset + Self.lineBytes, filled)
                Self.encode(source, from: offset, to: end, into: &pending)
                offset = end
            }
        }
        return true
    }

    private static func encode(_ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        var i = start
        while i + 3 <= end {
            let value = UInt32(source[i]) << 16 | UInt32(source[i + 1]) << 8 | UInt32(source[i + 2])
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(alphabet[Int(value >> 6 & 63)])
            out.append(alphabet[Int(value & 63)])
            i += 3
        }
        let left = end - i
        if left > 0 {
            let value = UInt32(source[i]) << 16 | (left == 2 ? UInt32(source[i + 1]) << 8 : 0)
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(left == 2 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
    }
}
