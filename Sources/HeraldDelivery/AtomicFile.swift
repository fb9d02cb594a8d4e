import Foundation

/// Writes a file so that no reader ever sees it half-written: the bytes go to a temporary name in the same folder,
/// then `rename(2)` puts them in place. Plain POSIX calls: Foundation's `createFile` adds a second temporary file
/// and rename of its own, which costs more than the write at a thousand files a second.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o640) throws {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let temporary = String(path[..<slash]) + "." + String(path[slash...]) + ".\(UInt32.random(in: 0...UInt32.max)).part"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DeliveryError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return true
        }
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
}
