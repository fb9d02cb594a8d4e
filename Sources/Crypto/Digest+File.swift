import Foundation

extension Digest {
    /// SHA-256 of a file, read 64 KiB at a time: a run's artifacts are hashed without being held in memory.
    public static func sha256(contentsOf path: String) throws(CryptoError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CryptoError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256Hasher()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CryptoError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { return hasher.finalize() }
            hasher.update(n == chunk.count ? chunk : Array(chunk[..<n]))
        }
    }

    /// SHA-256 of `length` bytes of a file from `offset` (one part of a multipart upload), read 64 KiB at a time.
    public static func sha256(contentsOf path: String, offset: Int64, length: Int64) throws(CryptoError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CryptoError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256Hasher()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var position = offset
        let end = offset + length
        while position < end {
            let wanted = Int(min(Int64(chunk.count), end - position))
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, wanted, off_t(position)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CryptoError("cannot read \(path) at \(position): \(n == 0 ? "the file is shorter" : String(cString: strerror(errno)))") }
            hasher.update(n == chunk.count ? chunk : Array(chunk[..<n]))
            position += Int64(n)
        }
        return hasher.finalize()
    }
}
