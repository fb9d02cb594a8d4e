import CCurl
import Glibc

/// Owns one `curl_mime` tree built for a handle (an email's parts, a `multipart/form-data` body). A tree attached as
/// the sub-parts of another part belongs to that part from then on, and is not freed here.
public final class CurlMime {
    private(set) var pointer: OpaquePointer?

    public init(for easy: CurlEasy) throws(CurlError) {
        guard let mime = curl_mime_init(easy.handle) else {
            throw CurlError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), category: .local, message: "cannot make a MIME tree")
        }
        pointer = mime
    }

    deinit { if let pointer { curl_mime_free(pointer) } }

    /// A new part at the end of the tree.
    public func addPart() throws(CurlError) -> Part {
        guard let part = curl_mime_addpart(pointer) else {
            throw CurlError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), category: .local, message: "cannot add a MIME part")
        }
        return Part(pointer: part)
    }

    /// One part; valid while its tree lives.
    public struct Part {
        let pointer: OpaquePointer

        /// The part's bytes, copied by curl.
        public func data(_ bytes: [UInt8]) throws(CurlError) {
            try check(bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buffer.count, 1)) {
                    curl_mime_data(pointer, $0, buffer.count)
                }
            }, "data")
        }

        public func data(_ text: String) throws(CurlError) { try data(Array(text.utf8)) }

        /// The part's bytes are read from the file while sending (never held in memory). Also sets the file name
        /// curl would send: call `fileName` after it to send another.
        public func fileData(path: String) throws(CurlError) { try check(curl_mime_filedata(pointer, path), "file") }

        /// The file's bytes in base64 (76-character lines), read and encoded while sending, a block at a time; the
        /// part needs a `Content-Transfer-Encoding: base64` header line of its own (no curl encoder is set). Faster
        /// than `fileData` with `encoder("base64")`, which libcurl sends ~345 bytes per write (`Base64FileReader`).
        public func base64FileData(path: String) throws(CurlError) {
            guard let reader = Base64FileReader(path: path) else {
                throw CurlError(code: Int(CURLE_READ_ERROR.rawValue), category: .local, message: "cannot read \(path)")
            }
            let arg = Unmanaged.passRetained(reader).toOpaque()
            let code = curl_mime_data_cb(pointer, curl_off_t(reader.encodedSize), base64Read, base64Seek, base64Free, arg)
            if code != CURLE_OK { Unmanaged<Base64FileReader>.fromOpaque(arg).release() }
            try check(code, "file")
        }

        public func fileName(_ name: String?) throws(CurlError) { try check(curl_mime_filename(pointer, name), "file name") }
        public func name(_ name: String) throws(CurlError) { try check(curl_mime_name(pointer, name), "name") }
        public func type(_ type: String) throws(CurlError) { try check(curl_mime_type(pointer, type), "type") }
        /// `base64`, `quoted-printable`, `7bit`, `8bit` or `binary`.
        public func encoder(_ encoder: String) throws(CurlError) { try check(curl_mime_encoder(pointer, encoder), "encoder") }

        /// Extra header lines of the part (`Content-Disposition: inline`, `Content-ID: <…>`).
        public func headers(_ lines: [String]) throws(CurlError) {
            let list = try CurlHeaderList(lines)
            let raw = list.release()
            let code = curl_mime_headers(pointer, raw, 1)
            if code != CURLE_OK { curl_slist_free_all(raw) }
            try check(code, "headers")
        }

        /// Makes this part a multipart of `tree`'s parts (`multipart/alternative`, `multipart/related`); the part owns
        /// the tree from now on.
        public func subparts(_ tree: CurlMime) throws(CurlError) {
            try check(curl_mime_subparts(pointer, tree.pointer), "sub-parts")
            tree.pointer = nil
        }

        private func check(_ code: CURLcode, _ what: String) throws(CurlError) {
            guard code == CURLE_OK else { throw CurlError(code, buffer: "cannot set a MIME part's \(what)") }
        }
    }
}

private func base64Reader(_ arg: UnsafeMutableRawPointer?) -> Base64FileReader {
    Unmanaged<Base64FileReader>.fromOpaque(arg!).takeUnretainedValue()
}

private func base64Read(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ arg: UnsafeMutableRawPointer?) -> Int {
    guard let buffer else { return 0 }
    let n = base64Reader(arg).read(into: UnsafeMutableRawPointer(buffer), room: size * count)
    return n < 0 ? Int(CURL_READFUNC_ABORT) : n
}

private func base64Seek(_ arg: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard offset == 0, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    return base64Reader(arg).rewind() ? Int32(CURL_SEEKFUNC_OK) : Int32(CURL_SEEKFUNC_FAIL)
}

private func base64Free(_ arg: UnsafeMutableRawPointer?) {
    guard let arg else { return }
    Unmanaged<Base64FileReader>.fromOpaque(arg).release()
}
