import Foundation

/// Writes a file so that no reader ever sees it half-written: the bytes go to a temporary name in the same folder,
/// then `rename(2)` puts them in place. Plain POSIX calls: Foundation's `createFile` adds a second temporary file
/// and rename of its own, which costs more than the write at a thousand files a second.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o640) throws {
        try place(path, mode: mode) { fd in bytes.withUnsafeBytes { writeAll(fd, $0) } }
    }

    /// Copies the file at `source` into place 64 KiB at a time, so a large report never sits in memory.
    public static func copy(from source: String, to path: String, mode: mode_t = 0o640) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw DeliveryError("cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        try place(path, mode: mode) { fd in
            chunk.withUnsafeMutableBytes { buffer in
                while true {
                    let n = read(input, buffer.baseAddress!, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    guard n >= 0 else { return false }
                    if n == 0 { return true }
                    guard writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[..<n])) else { return false }
                }
            }
        }
    }

    /// Creates a temporary file beside `path`, lets `fill` write it, and renames it into place (or removes it).
    private static func place(_ path: String, mode: mode_t, fill: (Int32) -> Bool) throws {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let temporary = String(path[..<slash]) + "." + String(path[slash...]) + ".\(UInt32.random(in: 0...UInt32.max)).part"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DeliveryError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let ok = fill(fd)
        let reason = String(cString: strerror(errno))
        guard close(fd) == 0, ok else {
            unlink(temporary)
            throw DeliveryError("cannot write \(temporary): \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DeliveryError("cannot move the file into place: \(reason)")
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var written = 0
        while written < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            written += n
        }
        return true
    }
}
