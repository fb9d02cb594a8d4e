import CCurl

/// Every failure of a transfer: curl's code, its error buffer (which names hosts and paths, never credentials), and a
/// category that a delivery history can show and a retry policy can read.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    public enum Category: String, Sendable {
        case dns, connect, tls, auth, permission
        case notFound = "not found"
        case `protocol`, timeout
        case remoteRejected = "remote rejected"
        /// The outbound guard refused the address before any packet was sent.
        case blocked
        /// Our side: a file that cannot be read, an option this libcurl lacks, memory.
        case local
    }

    public let code: Int
    public let category: Category
    public let message: String

    public init(code: Int, category: Category, message: String) {
        self.code = code
        self.category = category
        self.message = message
    }

    init(_ code: CURLcode, buffer: String) {
        let text = buffer.isEmpty ? String(cString: curl_easy_strerror(code)) : buffer
        self.init(code: Int(code.rawValue), category: Self.category(of: code), message: text)
    }

    public var description: String { "\(category.rawValue): \(message)" }

    /// A command of `commandsBefore`/`commandsAfter` was refused (an FTP `RNTO`, an SFTP `rename`): the transfer
    /// itself may have completed, so a caller can tell "uploaded but not renamed" from "not uploaded".
    public var isCommandFailure: Bool { code == Int(CURLE_QUOTE_ERROR.rawValue) }

    /// Whether trying again later may succeed: not after a refused login, a missing permission or a blocked address.
    public var isTransient: Bool {
        switch category {
        case .dns, .connect, .timeout, .tls, .protocol, .remoteRejected: return true
        case .auth, .permission, .notFound, .blocked, .local: return false
        }
    }

    static func category(of code: CURLcode) -> Category {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .dns
        case CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING: return .connect
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED:
            return .tls
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR: return .auth
        case CURLE_REMOTE_ACCESS_DENIED, CURLE_REMOTE_DISK_FULL, CURLE_UPLOAD_FAILED: return .permission
        case CURLE_REMOTE_FILE_NOT_FOUND: return .notFound
        case CURLE_REMOTE_FILE_EXISTS, CURLE_QUOTE_ERROR, CURLE_HTTP_RETURNED_ERROR: return .remoteRejected
        case CURLE_READ_ERROR, CURLE_FILE_COULDNT_READ_FILE, CURLE_OUT_OF_MEMORY, CURLE_UNKNOWN_OPTION,
             CURLE_NOT_BUILT_IN, CURLE_FAILED_INIT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_ABORTED_BY_CALLBACK:
            return .local
        default: return .protocol
        }
    }
}
