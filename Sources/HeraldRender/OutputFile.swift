import Foundation

/// A new file that a renderer streams into, 64 KiB at a time, so a million-row export never sits in memory. It is
/// created exclusively (an existing file is an error, never overwritten) and only `close` says it is complete: a
/// renderer that fails leaves a file the caller removes.
public final class OutputFile {
    public let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let capacity = 64 * 1024

    public init(path: String, mode: mode_t = 0o640) throws(RenderError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw RenderError("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        descriptor = fd
        buffer.reserveCapacity(Self.capacity)
    }

    deinit { if descriptor >= 0 { Foundation.close(descriptor) } }

    public func write(_ bytes: [UInt8]) throws(RenderError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.capacity { try flush() }
    }

    public func write(_ text: String) throws(RenderError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Appends through a closure that writes into the buffer itself (no intermediate array per value).
    public func append(_ body: (inout [UInt8]) -> Void) throws(RenderError) {
        body(&buffer)
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Writes what is buffered and closes the file; an error here (a full disk) means the file is incomplete.
    public func close() throws(RenderError) {
        guard descriptor >= 0 else { return }
        try flush()
        let fd = descriptor
        descriptor = -1
        guard Foundation.close(fd) == 0 else { throw RenderError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    private func flush() throws(RenderError) {
        guard descriptor >= 0 else { throw RenderError("\(path) is already closed") }
        let failed = Self.writeAll(buffer, to: descriptor)
        if let failed { throw RenderError("cannot write \(path): \(String(cString: strerror(failed)))") }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes every byte (retrying short writes and EINTR); the errno of a failure, nil when all went out.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        var written = 0
        return bytes.withUnsafeBytes { raw -> Int32? in
            while written < raw.count {
                let n = Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return errno }
                written += n
            }
            return nil
        }
    }
}
