import CCurl

/// `curl_global_init` once per process, before the first handle (it is not thread-safe in older libcurls).
enum CurlGlobal {
    private static let done: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    static func initialize() { _ = done }
}
