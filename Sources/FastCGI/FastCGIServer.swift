import CFastCGI
import Foundation

/// The FastCGI side of `herald web`: N dedicated OS threads, each blocked in `FCGX_Accept_r` on the one listening
/// socket, each with its own handler (and so its own database connections).
///
/// No accept mutex: Linux `accept` is thread-safe, and the mutex of libfcgi's threaded example deadlocks when nginx
/// keeps connections open (research/performance.md). With `fastcgi_keep_conn` a kept connection pins a thread, so
/// size `threadCount` above nginx's upstream `keepalive` times its worker count.
public final class FastCGIServer: @unchecked Sendable {
    public typealias Handler = @Sendable (FastCGIRequest) -> FastCGIResponse

    public let threadCount: Int
    let listenDescriptor: Int32
    private let state = NSCondition()
    private var stopping = false
    private var running = 0
    private var signalSources: [any DispatchSourceSignal] = []

    /// Opens `socketPath` (mode 0660 through umask 007, so only the owner and nginx's group connect), or uses fd 0
    /// when `socketPath` is nil, as systemd socket activation and spawn-fcgi pass it.
    public let limits: FastCGILimits

    public init(socketPath: String?, backlog: Int32 = 1024, threadCount: Int, limits: FastCGILimits = FastCGILimits()) throws {
        precondition(threadCount > 0, "at least one thread")
        self.threadCount = threadCount
        self.limits = limits
        guard FCGX_Init() == 0 else { throw FastCGIError("FCGX_Init failed") }
        if let socketPath {
            // FCGX_OpenSocket calls exit() when bind fails, so check what we can first and fail with a message.
            let directory = (socketPath as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory, isDirectory: &isDirectory),
                  isDirectory.boolValue, access(directory.isEmpty ? "." : directory, W_OK) == 0 else {
                throw FastCGIError("cannot create the socket \(socketPath): its folder is missing or not writable")
            }
            let old = umask(0o007)
            let descriptor = FCGX_OpenSocket(socketPath, Int32(backlog))
            umask(old)
            guard descriptor >= 0 else { throw FastCGIError("cannot open the FastCGI socket \(socketPath)") }
            listenDescriptor = descriptor
        } else {
            var address = sockaddr()
            var length = socklen_t(MemoryLayout<sockaddr>.size)
            guard getsockname(0, &address, &length) == 0 else {
                throw FastCGIError("HERALD_FCGI_SOCKET is not set and standard input is not a socket")
            }
            listenDescriptor = 0
        }
    }

    /// Serves until `shutdown()`, then returns once every in-flight request has been answered. `makeHandler` runs
    /// once on each thread.
    public func run(makeHandler: @escaping @Sendable () -> Handler) {
        state.lock()
        running = threadCount
        state.unlock()
        for index in 0..<threadCount {
            let thread = Thread { [self] in
                serve(handler: makeHandler())
                state.lock()
                running -= 1
                state.broadcast()
                state.unlock()
            }
            thread.name = "herald-fcgi-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        state.lock()
        while running > 0 { state.wait() }
        state.unlock()
    }

    private func serve(handler: Handler) {
        var request = FCGX_Request()
        guard FCGX_InitRequest(&request, listenDescriptor, 0) == 0 else { return }
        defer { FCGX_Free(&request, 1) }
        while !isStopping, FCGX_Accept_r(&request) >= 0 {
            let incoming = Self.read(&request, limits: limits)
            let response = handler(incoming)
            Self.send(response, on: &request)
            FCGX_Finish_r(&request)
        }
    }

    /// Writes the response's STDOUT records straight to nginx's connection, not through libfcgi's stream, whose
    /// 8 KB buffer made a 64 KB answer eight writes and eight wake-ups of nginx (measured under wrk). Nothing went
    /// through the stream, so `FCGX_Finish_r` then ends it with its empty record and FCGI_END_REQUEST, as always.
    /// A connection nginx closed ends the writing; `FCGX_Finish_r` finds it closed too.
    static func send(_ response: FastCGIResponse, on request: inout FCGX_Request) {
        let bytes = response.records(requestID: request.requestId)
        bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let n = Foundation.send(request.ipcFd, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if n > 0 { sent += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }

    /// Copies every param out of `envp` (freed by FCGX_Finish_r) and reads exactly CONTENT_LENGTH body bytes,
    /// unless the headers or the announced body break `limits` (then nothing of the body is read or allocated).
    static func read(_ request: inout FCGX_Request, limits: FastCGILimits) -> FastCGIRequest {
        var params: [String: String] = [:]
        var headerCount = 0, headerBytes = 0
        if var cursor = request.envp {
            while let entry = cursor.pointee {
                let pair = String(cString: entry)
                if pair.hasPrefix("HTTP_") {
                    headerCount += 1
                    headerBytes += pair.utf8.count
                }
                if let equals = pair.firstIndex(of: "=") {
                    params[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
                }
                cursor += 1
            }
        }
        if headerCount > limits.maxHeaderCount || headerBytes > limits.maxHeaderBytes {
            return FastCGIRequest(params: params, body: [], refusal: .headersTooLarge)
        }
        let length = Int(params["CONTENT_LENGTH"] ?? "") ?? 0
        if length > limits.maxBodyBytes { return FastCGIRequest(params: params, body: [], refusal: .bodyTooLarge) }
        var body = [UInt8](repeating: 0, count: max(length, 0))
        var received = 0
        while received < length {
            let count = body.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    FCGX_GetStr($0.baseAddress! + received, Int32(min(length - received, Int(Int32.max))), request.in)
                }
            }
            if count <= 0 { break }
            received += Int(count)
        }
        if received < length { body.removeLast(length - received) }
        return FastCGIRequest(params: params, body: body)
    }

    private var isStopping: Bool {
        state.lock()
        defer { state.unlock() }
        return stopping
    }

    /// Stops accepting: threads blocked in accept wake up and end; threads inside a request finish it first.
    public func shutdown() {
        state.lock()
        let first = !stopping
        stopping = true
        state.unlock()
        guard first else { return }
        FCGX_ShutdownPending()
        // Wakes every thread blocked in accept(); the socket file stays for the next process to replace.
        Foundation.shutdown(listenDescriptor, Int32(SHUT_RDWR))
    }

    /// SIGTERM and SIGINT start a graceful `shutdown()` instead of killing the process.
    public func stopOnTerminationSignals() {
        let queue = DispatchQueue(label: "herald.fcgi.signals")
        // A parent may have started us with these blocked; the threads started later inherit this mask.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signalSources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.shutdown() }
            source.resume()
            return source
        }
    }
}
