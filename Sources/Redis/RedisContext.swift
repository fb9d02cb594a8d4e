import CHiredis
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one blocking `redisContext*`. hiredis marks a context that hit an error as unusable, so the owner drops the
/// whole object after any failure and connects a new one.
final class RedisContext {
    private let pointer: UnsafeMutablePointer<redisContext>

    init(host: String, port: Int, connectTimeout: Double, commandTimeout: Double?) throws {
        SignalSetup.ignoreBrokenPipe()
        guard let context = redisConnectWithTimeout(host, Int32(port), timeval(seconds: connectTimeout)) else {
            throw RedisError(kind: .connection, message: "could not allocate a hiredis context")
        }
        guard context.pointee.err == 0 else {
            let message = Self.errorText(of: context)
            redisFree(context)
            throw RedisError(kind: .connection, message: "could not connect to \(host):\(port): \(message)")
        }
        pointer = context
        // Zero means no read timeout, which blocking reads (XREADGROUP BLOCK) need.
        guard redisSetTimeout(pointer, timeval(seconds: commandTimeout ?? 0)) == REDIS_OK else {
            let reason = Self.errorText(of: pointer)
            throw RedisError(kind: .connection, message: "could not set the socket timeout: \(reason)")
        }
    }

    deinit { redisFree(pointer) }

    /// False once hiredis has recorded an error on this context.
    var isHealthy: Bool { pointer.pointee.err == 0 }

    /// Sends one command and reads its reply (`redisCommandArgv`).
    func roundTrip(_ arguments: [RedisArgument]) throws -> RedisReply {
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(pointer, argc, argv, lengths)
        }
        guard let raw else { throw failure(command: arguments) }
        defer { freeReplyObject(raw) }
        return try RedisReply(decoding: raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Buffers one command for a pipeline (`redisAppendCommandArgv`); nothing is sent until `readReply`.
    func append(_ arguments: [RedisArgument]) throws {
        let status = Self.withArgv(arguments) { argc, argv, lengths in
            redisAppendCommandArgv(pointer, argc, argv, lengths)
        }
        guard status == REDIS_OK else { throw failure(command: arguments) }
    }

    /// Flushes buffered commands, then reads the next reply (`redisGetReply`).
    func readReply() throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(pointer, &raw) == REDIS_OK, let raw else { throw failure(command: nil) }
        defer { freeReplyObject(raw) }
        return try RedisReply(decoding: raw.assumingMemoryBound(to: redisReply.self))
    }

    /// The context's error, copied at once: `errstr` is overwritten by the next failure.
    private func failure(command: [RedisArgument]?) -> RedisError {
        let message = Self.errorText(of: pointer)
        let name = command.flatMap(RedisCommandName.init(arguments:))?.text
        switch pointer.pointee.err {
        case REDIS_ERR_IO, REDIS_ERR_EOF:
            return RedisError(kind: .connectionLost, message: message, command: name)
        case REDIS_ERR_PROTOCOL:
            return RedisError(kind: .protocolError, message: message, command: name)
        default:
            return RedisError(kind: .io, message: message.isEmpty ? "unknown hiredis error" : message, command: name)
        }
    }

    private static func errorText(of context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Lays all arguments out in one buffer and hands hiredis pointers plus explicit lengths, so NUL bytes and
    /// invalid UTF-8 pass through.
    private static func withArgv<R>(
        _ arguments: [RedisArgument],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var buffer: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in arguments {
            let bytes = argument.bytes
            offsets.append(buffer.count)
            lengths.append(bytes.count)
            buffer.append(contentsOf: bytes)
        }
        buffer.append(0)  // keeps the base address non-nil when every argument is empty
        return buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                var argv: [UnsafePointer<CChar>?] = offsets.map { UnsafePointer(chars.baseAddress! + $0) }
                return body(Int32(arguments.count), &argv, lengths)
            }
        }
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(tv_sec: .init(whole), tv_usec: .init((seconds - whole) * 1_000_000))
    }
}

/// hiredis writes with write(2): a peer that closed the socket would raise SIGPIPE and kill the process instead of
/// returning EPIPE. Ignore it once, unless the program already installed its own handler.
enum SignalSetup {
    private static let brokenPipeIgnored: Bool = {
        let previous = signal(SIGPIPE, SIG_IGN)
        let previousAddress = previous.map { unsafeBitCast($0, to: Int.self) } ?? 0  // 0 is SIG_DFL
        if previousAddress != 0 && previousAddress != unsafeBitCast(SIG_IGN, to: Int.self) {
            signal(SIGPIPE, previous)
        }
        return true
    }()

    static func ignoreBrokenPipe() { _ = brokenPipeIgnored }
}
