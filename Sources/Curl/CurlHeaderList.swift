import CCurl

/// Owns one `curl_slist` (headers, recipients, quote commands, resolve entries). Kept alive by the handle that uses it
/// until the handle is reset or freed: curl does not copy lists.
final class CurlHeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) throws(CurlError) {
        for line in lines {
            guard let next = curl_slist_append(pointer, line) else {
                throw CurlError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), category: .local, message: "cannot build a list")
            }
            pointer = next
        }
    }

    /// Gives the list to a C call that takes ownership (`curl_mime_headers` with `take_ownership`).
    func release() -> UnsafeMutablePointer<curl_slist>? {
        defer { pointer = nil }
        return pointer
    }

    deinit { curl_slist_free_all(pointer) }
}
