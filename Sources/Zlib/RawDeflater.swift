import CZlib

/// Owns one `z_stream` set up for raw deflate (`deflateInit2` with windowBits -15: no zlib header or trailer), the
/// form a zip entry holds. Input goes in chunk by chunk and the compressed bytes are appended to the caller's buffer as
/// zlib produces them, so memory holds one chunk and zlib's window, never the whole input. `reset` starts a new
/// stream with the same settings (one deflater serves every entry of an archive).
///
/// The `z_stream` lives at a fixed heap address: zlib keeps a pointer back to it and refuses a moved one.
public final class RawDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// `level`: 0 (stored) to 9 (smallest); 6 is zlib's default balance of speed and size.
    public init(level: Int32 = 6) throws(ZlibError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            let error = Self.error("deflateInit2", status, stream)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// At most this many bytes come out of `bytes` input bytes in one stream (`deflateBound`), for deciding before
    /// compressing whether sizes may pass a format's limit.
    public func bound(forInputOf bytes: UInt64) -> UInt64 {
        UInt64(deflateBound(stream, UInt(min(bytes, UInt64(UInt.max)))))
    }

    /// Compresses `input`, appending what zlib has ready to `compressed` (often nothing: it buffers).
    public func compress(_ input: ArraySlice<UInt8>, into compressed: inout [UInt8]) throws(ZlibError) {
        try run(input, flush: Z_NO_FLUSH, into: &compressed)
    }

    /// Ends the stream: appends everything zlib still holds and the final block.
    public func finish(into compressed: inout [UInt8]) throws(ZlibError) {
        try run([UInt8]()[...], flush: Z_FINISH, into: &compressed)
    }

    /// Starts a new stream with the same settings, keeping zlib's memory.
    public func reset() throws(ZlibError) {
        let status = deflateReset(stream)
        guard status == Z_OK else { throw Self.error("deflateReset", status, stream) }
    }

    private func run(_ input: ArraySlice<UInt8>, flush: Int32, into compressed: inout [UInt8]) throws(ZlibError) {
        let stream = self.stream
        let capacity = output.count
        let status: Int32 = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                // zlib never writes through next_in; its type is not const only for old compilers.
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.pointee.avail_in = UInt32(inBuffer.count)
                while true {
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(capacity)
                    let status = deflate(stream, flush)
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return status }
                    let produced = capacity - Int(stream.pointee.avail_out)
                    compressed.append(contentsOf: UnsafeBufferPointer(rebasing: outBuffer[..<produced]))
                    if status == Z_STREAM_END { return Z_STREAM_END }
                    // Room left over: zlib took all the input and has nothing more to give for this flush mode.
                    if stream.pointee.avail_out > 0 && flush != Z_FINISH { return Z_OK }
                    if status == Z_BUF_ERROR && produced == 0 { return Z_BUF_ERROR }
                }
            }
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch (status, flush) {
        case (Z_OK, Z_NO_FLUSH), (Z_STREAM_END, Z_FINISH): return
        default: throw Self.error(flush == Z_FINISH ? "deflate (finish)" : "deflate", status, stream)
        }
    }

    private static func error(_ call: String, _ status: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> ZlibError {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? String(cString: zError(status))
        return ZlibError("\(call) failed (\(status)): \(detail)")
    }
}
