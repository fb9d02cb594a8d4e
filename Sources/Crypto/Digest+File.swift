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
}
