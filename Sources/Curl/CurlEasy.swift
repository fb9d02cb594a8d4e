import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `CURL*` easy handle: one transfer at a time, on the calling (dedicated) thread. Options are set through
/// named methods, so no caller sees a `CURLoption`. Every transfer has a connect and a total timeout, speaks only the
/// protocols it was given, and never prints a protocol trace (a trace would show credentials).
/// The handle keeps its connections between transfers (one SMTP connection for a run's messages).
public final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    /// Lists and MIME trees the handle points into: curl does not copy them.
    private var kept: [AnyObject] = []
    private var upload: UploadSource?
    private var responseLimit = 0
    /// The response body, up to the limit given to `captureResponse`.
    public private(set) var responseBody: [UInt8] = []
    /// Response header lines (HTTP), without line ends.
    public private(set) var responseHeaders: [String] = []
    private var connectFilter: (([UInt8]) -> String?)?
    private var refusal: String?
    private var protocolLine: ((_ incoming: Bool, _ line: String) -> Void)?
    private var hostKeyCheck: ((_ key: [UInt8]) -> Bool)?

    public init() throws(CurlError) {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), category: .local, message: "curl_easy_init failed")
        }
        self.handle = handle
        try applyDefaults()
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
        if case .file(let fd, _, _, _)? = upload { close(fd) }
    }

    /// Forgets every option of the last transfer (its lists and callbacks too) but keeps the open connections.
    public func reset() throws(CurlError) {
        curl_easy_reset(handle)
        kept.removeAll()
        if case .file(let fd, _, _, _)? = upload { close(fd) }
        upload = nil
        connectFilter = nil
        protocolLine = nil
        hostKeyCheck = nil
        responseLimit = 0
        try applyDefaults()
    }

    private func applyDefaults() throws(CurlError) {
        errorBuffer[0] = 0
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try timeouts(connect: 10, total: 300)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        let me = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_WRITEDATA, pointer: me)
        try check(ccurl_setopt_write_cb(handle, CURLOPT_WRITEFUNCTION, curlWriteBody))
        try set(CURLOPT_HEADERDATA, pointer: me)
        try check(ccurl_setopt_write_cb(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader))
        try set(CURLOPT_OPENSOCKETDATA, pointer: me)
        try check(ccurl_setopt_opensocket_cb(handle, curlOpenSocket))
    }

    // MARK: What to talk to

    public func url(_ url: String) throws(CurlError) { try set(CURLOPT_URL, url) }

    /// The only protocols this transfer (and any redirect) may use, e.g. `"https"` or `"sftp"`.
    public func protocols(_ list: String) throws(CurlError) {
        try set(CURLOPT_PROTOCOLS_STR, list)
        try set(CURLOPT_REDIR_PROTOCOLS_STR, list)
    }

    public func timeouts(connect: Double, total: Double) throws(CurlError) {
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(connect * 1000))
        try set(CURLOPT_TIMEOUT_MS, Int(total * 1000))
    }

    /// Called with the address (4 or 16 bytes) of every socket curl is about to open, redirects and FTP data
    /// connections included; a non-nil answer refuses it and becomes the transfer's `blocked` error.
    public func filterConnections(_ filter: @escaping ([UInt8]) -> String?) { connectFilter = filter }

    // MARK: Credentials and TLS

    /// User name and password, set apart so that neither may contain the other's separator.
    public func login(user: String, password: String?) throws(CurlError) {
        try set(CURLOPT_USERNAME, user)
        if let password { try set(CURLOPT_PASSWORD, password) }
    }

    /// `CURLUSESSL_ALL` when `required` (STARTTLS, explicit FTPS), else none. Implicit TLS is the URL's scheme.
    public func requireTLS(_ required: Bool) throws(CurlError) {
        try set(CURLOPT_USE_SSL, Int(required ? CURLUSESSL_ALL.rawValue : CURLUSESSL_NONE.rawValue))
    }

    /// Trusts the certificates in this PEM file instead of the system's (a private CA, a self-signed server).
    public func certificateAuthority(path: String) throws(CurlError) { try set(CURLOPT_CAINFO, path) }

    /// TLS 1.2 at most. libcurl before 8.9 can lose the end of an FTPS upload over TLS 1.3: it closes the data
    /// connection with the server's late session ticket unread, the kernel answers with a reset, and the server drops
    /// what it had not read yet (curl KNOWN_BUGS "FTPS upload data loss with TLS 1.3", curl/curl#6149).
    public func limitTLSToVersion12() throws(CurlError) {
        try set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_DEFAULT) | Int(CURL_SSLVERSION_MAX_TLSv1_2))
    }

    /// SigV4 signing (`aws:amz:REGION:s3`); the key pair goes in `login`.
    public func awsSigV4(_ provider: String) throws(CurlError) { try set(CURLOPT_AWS_SIGV4, provider) }

    /// Public-key SSH login: the private key file (and its passphrase); the public half is derived by libssh2.
    public func sshKey(privateKeyPath: String, passphrase: String?) throws(CurlError) {
        try set(CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PUBLICKEY))
        try set(CURLOPT_SSH_PRIVATE_KEYFILE, privateKeyPath)
        if let passphrase { try set(CURLOPT_KEYPASSWD, passphrase) }
    }

    public func sshPasswordOnly() throws(CurlError) { try set(CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PASSWORD)) }

    /// Called with the server's raw host key; false refuses the connection (a pinned key that changed).
    public func checkHostKey(_ accept: @escaping (_ key: [UInt8]) -> Bool) throws(CurlError) {
        hostKeyCheck = accept
        try set(CURLOPT_SSH_HOSTKEYDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
        try check(ccurl_setopt_hostkey_cb(handle, curlHostKey))
    }

    // MARK: What to send

    public func headers(_ lines: [String]) throws(CurlError) { try set(CURLOPT_HTTPHEADER, list: lines) }

    public func method(_ verb: String) throws(CurlError) { try set(CURLOPT_CUSTOMREQUEST, verb) }

    /// A request body sent from memory (copied by curl).
    public func body(_ bytes: [UInt8]) throws(CurlError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(bytes.count))
        try check(bytes.withUnsafeBufferPointer { ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!)) })
    }

    /// An upload (FTP/SFTP `STOR`, HTTP `PUT`) read from the file a buffer (`uploadBufferSize`) at a time, never whole in memory.
    public func upload(fileAt path: String) throws(CurlError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CurlError(code: Int(CURLE_READ_ERROR.rawValue), category: .local, message: "cannot read \(path)")
        }
        var info = stat()
        fstat(fd, &info)
        try startUpload(.file(fd, start: 0, length: Int64(info.st_size), left: Int64(info.st_size)), size: Int64(info.st_size))
    }

    /// An upload of `length` bytes of the file from `offset` (one part of a multipart upload), read as it is sent.
    public func upload(fileAt path: String, offset: Int64, length: Int64) throws(CurlError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CurlError(code: Int(CURLE_READ_ERROR.rawValue), category: .local, message: "cannot read \(path)")
        }
        var info = stat()
        fstat(fd, &info)
        guard offset >= 0, length >= 0, offset + length <= Int64(info.st_size) else {
            close(fd)
            throw CurlError(code: Int(CURLE_READ_ERROR.rawValue), category: .local, message: "\(path) is shorter than the range to send")
        }
        try startUpload(.file(fd, start: offset, length: length, left: length), size: length)
    }

    /// An upload of bytes in memory (a part of a multipart upload).
    public func upload(bytes: [UInt8]) throws(CurlError) { try startUpload(.bytes(bytes, 0), size: Int64(bytes.count)) }

    /// libcurl's largest upload buffer, set for every upload. libcurl hands libssh2 one buffer per SFTP write, and
    /// libssh2 sends it as pipelined ~30 KB packets, then waits for their acknowledgements: with the default 64 KiB
    /// only two are in flight per round trip. A 100 MB SFTP upload on the busy 2-vCPU loopback: median 3.1 s → 2.3 s
    /// over 8 interleaved pairs (the same on a quiet loopback, within noise; the gain grows with the round-trip time;
    /// BENCHMARKS.md, deploy/bench-delivery.sh). One such buffer per handle that uploads.
    public static let uploadBufferSize = 2 * 1024 * 1024

    private func startUpload(_ source: UploadSource, size: Int64) throws(CurlError) {
        if case .file(let fd, _, _, _)? = upload { close(fd) }
        upload = source
        try set(CURLOPT_UPLOAD, 1)
        try set(CURLOPT_UPLOAD_BUFFERSIZE, Self.uploadBufferSize)
        try set(CURLOPT_INFILESIZE_LARGE, offset: curl_off_t(size))
        try set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
        try check(ccurl_setopt_read_cb(handle, CURLOPT_READFUNCTION, curlRead))
    }

    /// A MIME body: an email's parts (SMTP) or `multipart/form-data` (HTTP). The handle keeps the tree alive.
    public func mime(_ tree: CurlMime) throws(CurlError) {
        kept.append(tree)
        try set(CURLOPT_MIMEPOST, pointer: UnsafeMutableRawPointer(tree.pointer))
    }

    /// SMTP envelope. With `allowRecipientFailures`, a refused RCPT does not end the transaction while another was
    /// accepted; `traceProtocol` tells which one was refused.
    public func mail(from: String, recipients: [String], allowRecipientFailures: Bool) throws(CurlError) {
        try set(CURLOPT_MAIL_FROM, "<\(from)>")
        try set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
        try set(CURLOPT_MAIL_RCPT_ALLLOWFAILS, allowRecipientFailures ? 1 : 0)
    }

    /// Commands sent after the transfer (FTP `RNFR`/`RNTO` lines, SFTP `rename a b`); a failing one fails the transfer.
    public func commandsAfter(_ commands: [String]) throws(CurlError) { try set(CURLOPT_POSTQUOTE, list: commands) }

    /// Commands sent before the transfer.
    public func commandsBefore(_ commands: [String]) throws(CurlError) { try set(CURLOPT_QUOTE, list: commands) }

    /// FTP/SFTP: create the folders of the URL's path that are missing.
    public func createMissingDirectories() throws(CurlError) {
        try set(CURLOPT_FTP_CREATE_MISSING_DIRS, Int(CURLFTP_CREATE_DIR_RETRY.rawValue))
    }

    /// Stops once connected (and, for `https`, after the TLS handshake): a connection test that sends no request.
    public func connectOnly() throws(CurlError) { try set(CURLOPT_CONNECT_ONLY, 1) }

    /// Only a listing of names (FTP `NLST`, SFTP names) when the URL ends in `/`; no body for other requests.
    public func noBody() throws(CurlError) { try set(CURLOPT_NOBODY, 1) }

    // MARK: What came back

    /// Keeps up to `limit` bytes of the response body (the rest is read and dropped).
    public func captureResponse(limit: Int) { responseLimit = limit }

    /// Every command line sent and every reply line received (header lines only, never the body). Turns on curl's
    /// trace, which then goes to this closure alone; the caller must not keep lines that carry credentials
    /// (`AUTH`, `PASS`).
    public func traceProtocol(_ line: @escaping (_ incoming: Bool, _ line: String) -> Void) throws(CurlError) {
        protocolLine = line
        try set(CURLOPT_DEBUGDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
        try check(ccurl_setopt_debug_cb(handle, curlDebug))
        try set(CURLOPT_VERBOSE, 1)
    }

    /// Runs the transfer. A refused connection (`filterConnections`) is a `blocked` error naming the reason.
    public func perform() throws(CurlError) {
        responseBody.removeAll(keepingCapacity: true)
        responseHeaders.removeAll(keepingCapacity: true)
        refusal = nil
        errorBuffer[0] = 0
        if case .bytes(let bytes, _)? = upload { upload = .bytes(bytes, 0) }
        if case .file(let fd, let start, let length, _)? = upload {
            lseek(fd, off_t(start), SEEK_SET)
            upload = .file(fd, start: start, length: length, left: length)
        }
        let code = curl_easy_perform(handle)
        if let refusal { throw CurlError(code: Int(CURLE_COULDNT_CONNECT.rawValue), category: .blocked, message: refusal) }
        guard code == CURLE_OK else { throw CurlError(code, buffer: String(cString: errorBuffer)) }
    }

    /// The last response's status (HTTP) or reply code (FTP, SMTP).
    public var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The size the server gave for the last transfer's file (FTP `SIZE`, HTTP `Content-Length`), nil when none.
    public var contentLength: Int64? {
        var length: curl_off_t = -1
        guard ccurl_getinfo_off_t(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK, length >= 0 else { return nil }
        return Int64(length)
    }

    /// Whether the last transfer went over a connection kept from an earlier one (none was opened for it).
    public var reusedConnection: Bool {
        var opened = 0
        return ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK && opened == 0
    }

    /// The next transfer opens a new connection instead of reusing a kept one.
    public func freshConnection() throws(CurlError) { try set(CURLOPT_FRESH_CONNECT, 1) }

    public var uploadedBytes: Int64 {
        var count: curl_off_t = 0
        _ = ccurl_getinfo_off_t(handle, CURLINFO_SIZE_UPLOAD_T, &count)
        return Int64(count)
    }

    /// The version and the protocols this libcurl speaks (for `herald doctor` and tests).
    public static var protocolsAvailable: [String] {
        guard let info = ccurl_version_info(), let list = info.pointee.protocols else { return [] }
        var names: [String] = []
        var index = 0
        while let name = list[index] { names.append(String(cString: name)); index += 1 }
        return names
    }

    // MARK: Setting options

    private func set(_ option: CURLoption, _ value: Int) throws(CurlError) { try check(ccurl_setopt_long(handle, option, value)) }
    private func set(_ option: CURLoption, _ value: String) throws(CurlError) { try check(ccurl_setopt_string(handle, option, value)) }
    private func set(_ option: CURLoption, offset: curl_off_t) throws(CurlError) { try check(ccurl_setopt_off_t(handle, option, offset)) }
    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(ccurl_setopt_pointer(handle, option, pointer))
    }
    private func set(_ option: CURLoption, list lines: [String]) throws(CurlError) {
        let list = try CurlHeaderList(lines)
        kept.append(list)
        try check(ccurl_setopt_slist(handle, option, list.pointer))
    }

    private func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else { throw CurlError(code, buffer: "") }
    }

    // MARK: Callback bodies (the C callbacks below find the handle through their user pointer)

    fileprivate func receiveBody(_ data: UnsafeMutablePointer<CChar>, _ count: Int) {
        let room = responseLimit - responseBody.count
        guard room > 0 else { return }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { responseBody.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(room, count))) }
    }

    fileprivate func receiveHeader(_ data: UnsafeMutablePointer<CChar>, _ count: Int) {
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
        // "\r\n" is one Character: compare it as well as the bare ends.
        responseHeaders.append(String(line.trimmingSuffix { $0 == "\r\n" || $0 == "\r" || $0 == "\n" }))
    }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, _ room: Int) -> Int {
        switch upload {
        case .file(let fd, let start, let length, let left)?:
            while true {
                let n = Glibc.read(fd, buffer, Int(min(Int64(room), left)))
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { return Int(CURL_READFUNC_ABORT) }
                upload = .file(fd, start: start, length: length, left: left - Int64(n))
                return n
            }
        case .bytes(let bytes, let offset)?:
            let n = min(room, bytes.count - offset)
            bytes.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: n)
            }
            upload = .bytes(bytes, offset + n)
            return n
        case nil:
            return 0
        }
    }

    fileprivate func admit(_ address: UnsafeMutablePointer<curl_sockaddr>) -> Bool {
        guard let connectFilter else { return true }
        let bytes = Self.addressBytes(address)
        if let reason = bytes.map(connectFilter) ?? "an address of an unknown family" {
            refusal = reason
            return false
        }
        return true
    }

    static func addressBytes(_ address: UnsafeMutablePointer<curl_sockaddr>) -> [UInt8]? {
        withUnsafeMutablePointer(to: &address.pointee.addr) { raw -> [UInt8]? in
            switch Int32(address.pointee.family) {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafeBytes(of: sin.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
                }
            default: return nil
            }
        }
    }

    fileprivate func trace(_ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>, _ count: Int) {
        guard let protocolLine, type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else { return }
        let text = data.withMemoryRebound(to: UInt8.self, capacity: count) { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            protocolLine(type == CURLINFO_HEADER_IN, String(line))
        }
    }

    fileprivate func hostKeyMatches(_ key: UnsafePointer<CChar>, _ count: Int) -> Bool {
        guard let hostKeyCheck else { return true }
        return hostKeyCheck(key.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) })
    }

    private enum UploadSource {
        /// A file descriptor, the range to send, and how much of it is still to be read.
        case file(Int32, start: Int64, length: Int64, left: Int64)
        case bytes([UInt8], Int)
    }
}

private func easy(_ pointer: UnsafeMutableRawPointer?) -> CurlEasy {
    Unmanaged<CurlEasy>.fromOpaque(pointer!).takeUnretainedValue()
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    if let data { easy(user).receiveBody(data, size * count) }
    return size * count
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    if let data { easy(user).receiveHeader(data, size * count) }
    return size * count
}

private func curlRead(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let buffer else { return 0 }
    return easy(user).read(into: buffer, size * count)
}

private func curlOpenSocket(_ user: UnsafeMutableRawPointer?, _ purpose: curlsocktype, _ address: UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t {
    guard let address, easy(user).admit(address) else { return CURL_SOCKET_BAD }
    return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
}

private func curlDebug(_ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?, _ count: Int,
                       _ user: UnsafeMutableRawPointer?) -> Int32 {
    if let data { easy(user).trace(type, data, count) }
    return 0
}

private func curlHostKey(_ user: UnsafeMutableRawPointer?, _ type: Int32, _ key: UnsafePointer<CChar>?, _ count: Int) -> Int32 {
    guard let key else { return Int32(CURLKHMATCH_MISMATCH.rawValue) }
    return easy(user).hostKeyMatches(key, count) ? Int32(CURLKHMATCH_OK.rawValue) : Int32(CURLKHMATCH_MISMATCH.rawValue)
}

extension StringProtocol {
    fileprivate func trimmingSuffix(while drop: (Character) -> Bool) -> SubSequence {
        var end = endIndex
        while end > startIndex, drop(self[index(before: end)]) { end = index(before: end) }
        return self[..<end]
    }
}
