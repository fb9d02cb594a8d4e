import CHiredis
import Foundation

/// One hiredis connection. Owns its `redisContext`; use it from one thread at a time. All calls block, so they
/// belong on dedicated OS threads. Only `redisCommandArgv`-style calls are used: binary-safe, no format strings.
///
/// After an I/O error the context is dead: the call throws `.connectionLost` and the next call reconnects.
public final class RedisConnection {
    private let url: RedisURL
    private var context: UnsafeMutablePointer<redisContext>?

    public init(url: String) throws {
        self.url = try RedisURL(url)
        context = try Self.connect(self.url)
    }

    deinit {
        if let context { redisFree(context) }
    }

    public var isConnected: Bool { context != nil }

    static func connect(_ url: RedisURL) throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), timeval(tv_sec: 5, tv_usec: 0)) else {
            throw RedisError(kind: .connection, message: "hiredis could not allocate a context")
        }
        if context.pointee.err != 0 {
            let message = errorString(context)
            redisFree(context)
            throw RedisError(kind: .connection, message: "could not connect to \(url.host):\(url.port): \(message)")
        }
        do throws(RedisError) {
            if let password = url.password {
                let auth: [RedisArgument] = url.user.map { ["AUTH", .string($0), .string(password)] } ?? ["AUTH", .string(password)]
                if case .error(let message) = try roundTrip(context, auth) {
                    throw RedisError(kind: .connection, message: "authentication failed: \(message)")
                }
            }
            if url.database != 0, case .error(let message) = try roundTrip(context, ["SELECT", .int(url.database)]) {
                throw RedisError(kind: .connection, message: "could not select database \(url.database): \(message)")
            }
        } catch {
            redisFree(context)
            throw error
        }
        return context
    }

    static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Sends one command, reads one reply; an error reply throws.
    @discardableResult
    public func command(_ arguments: [RedisArgument]) throws -> RedisReply {
        let reply = try pipeline([arguments])[0]
        if case .error(let message) = reply { throw RedisError(kind: .reply, message: message) }
        return reply
    }

    @discardableResult
    public func command(_ arguments: RedisArgument...) throws -> RedisReply {
        try command(arguments)
    }

    /// Sends every command, then reads every reply, in order. Error replies stay in place as `.error`.
    public func pipeline(_ commands: [[RedisArgument]]) throws -> [RedisReply] {
        if context == nil { context = try Self.connect(url) }
        let context = self.context!
        for arguments in commands {
            guard Self.append(context, arguments) == REDIS_OK else { throw lost(context) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw lost(context) }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.convert(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Frees a dead context so that the next call reconnects, and describes what happened.
    private func lost(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let kind: RedisError.Kind = context.pointee.err == REDIS_ERR_PROTOCOL ? .protocolError : .connectionLost
        let message = Self.errorString(context)
        redisFree(context)
        self.context = nil
        return RedisError(kind: kind, message: message.isEmpty ? "the connection to Redis was lost" : message)
    }

    static func roundTrip(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [RedisArgument]) throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard append(context, arguments) == REDIS_OK, redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw RedisError(kind: .connection, message: errorString(context))
        }
        defer { freeReplyObject(raw) }
        return convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    static func append(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [RedisArgument]) -> Int32 {
        let buffers = arguments.map(\.bytes)
        var lengths = buffers.map(\.count)
        // Each argument is copied into its own allocation that stays valid for the call; hiredis copies it again.
        let pointers: [UnsafeMutablePointer<CChar>] = buffers.map { bytes in
            let memory = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { memory.update(from: $0.baseAddress!, count: bytes.count) }
            }
            return memory
        }
        defer { pointers.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }
        return redisAppendCommandArgv(context, Int32(argv.count), &argv, &lengths)
    }

    static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(r.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: r.str, count: Int(r.len))))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: UnsafeRawBufferPointer(start: r.str, count: Int(r.len)), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: UnsafeRawBufferPointer(start: r.str, count: Int(r.len)), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(r.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(r.elements)).map { convert(r.element[$0]!) })
        default:
            return .null
        }
    }
}
