import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The scheduler's `/metrics`: a minimal HTTP/1.0 listener on 127.0.0.1 only, on a dedicated OS thread with a
/// blocking accept loop. One request per connection: it reads up to the blank line (at most `maxRequestBytes`,
/// each read bounded by a timeout so a silent client cannot hold the loop), answers and closes.
/// `GET /metrics` answers the registry's text; another path is a 404, another method a 405.
public final class MetricsListener: @unchecked Sendable {
    static let maxRequestBytes = 8192
    static let readTimeoutSeconds = 2
    private let socket: Int32
    private let render: @Sendable () -> String
    private let thread = DedicatedThread()
    /// The port bound (the one asked for, or the kernel's pick for 0).
    public let port: Int

    /// Binds at once, so a port in use stops the process at start-up rather than later.
    public init(port: Int, render: @escaping @Sendable () -> String) throws {
        self.render = render
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ListenerError("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw ListenerError("cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(code)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        socket = fd
    }

    public func start() {
        thread.start(name: "herald-metrics") { [self] in acceptLoop() }
    }

    /// Stops accepting (shutting the socket down wakes the blocked `accept`) and waits for the thread.
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        thread.join()
        close(socket)
    }

    private func acceptLoop() {
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            answer(client)
            close(client)
        }
    }

    private func answer(_ client: Int32) {
        var timeout = timeval(tv_sec: Self.readTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = readHead(client) else { return }
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/") else {
            return send(client, status: "400 Bad Request", type: "text/plain; charset=utf-8", body: "bad request\n")
        }
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == "/metrics" else { return send(client, status: "404 Not Found", type: "text/plain; charset=utf-8", body: "not found\n") }
        guard parts[0] == "GET" || parts[0] == "HEAD" else {
            return send(client, status: "405 Method Not Allowed", type: "text/plain; charset=utf-8", body: "GET only\n", extra: "Allow: GET, HEAD\r\n")
        }
        send(client, status: "200 OK", type: "text/plain; version=0.0.4; charset=utf-8", body: render(), includeBody: parts[0] == "GET")
    }

    /// The request up to its blank line, or nil when the client sent more than the cap, went silent or closed.
    private func readHead(_ client: Int32) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while received.count < Self.maxRequestBytes {
            let n = recv(client, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            received += buffer[0..<n]
            if let text = String(validating: received, as: UTF8.self), text.contains("\r\n\r\n") || text.contains("\n\n") { return text }
        }
        send(client, status: "431 Request Header Fields Too Large", type: "text/plain; charset=utf-8", body: "request too large\n")
        return nil
    }

    private func send(_ client: Int32, status: String, type: String, body: String, extra: String = "", includeBody: Bool = true) {
        let bytes = Array(body.utf8)
        var response = Array("HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(bytes.count)\r\n\(extra)Connection: close\r\n\r\n".utf8)
        if includeBody { response += bytes }
        var sent = 0
        while sent < response.count {
            let n = response[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            sent += n
        }
    }

    struct ListenerError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
