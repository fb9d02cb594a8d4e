import CCurl

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
