/// One blocking connection to Redis. Use one per OS thread: it is not Sendable and holds no lock.
///
/// After the socket breaks, the failing call throws `.connectionLost` (the command is never retried: it may have
/// run) and the next call connects again, repeating AUTH and SELECT.
public final class RedisConnection {
    public let url: RedisURL
    public let connectTimeout: Double
    public let commandTimeout: Double?
    private var context: RedisContext?

    /// - Parameters:
    ///   - url: `redis://[[user]:password@]host[:port][/db]`.
    ///   - connectTimeout: seconds to wait for the TCP connection.
    ///   - commandTimeout: seconds to wait for a reply; nil waits forever (needed for long blocking reads).
    public convenience init(url: String, connectTimeout: Double = 5, commandTimeout: Double? = nil) throws {
        try self.init(url: RedisURL(parsing: url), connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }

    public init(url: RedisURL, connectTimeout: Double = 5, commandTimeout: Double? = nil) throws {
        self.url = url
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        context = try connect()
    }

    /// Whether a context exists and has seen no error. A server-side close is only noticed by the next call.
    public var isConnected: Bool { context?.isHealthy ?? false }

    /// Runs one command. An error reply throws `RedisError(kind: .reply)` with the server's message.
    @discardableResult
    public func command(_ arguments: [RedisArgument]) throws -> RedisReply {
        let name = try Self.validate(arguments)
        let reply = try withContext { try $0.roundTrip(arguments) }
        if case .error(let message) = reply {
            throw RedisError(kind: .reply, message: Self.withoutArgumentEcho(message), command: name)
        }
        return reply
    }

    @discardableResult
    public func command(_ arguments: RedisArgument...) throws -> RedisReply {
        try command(arguments)
    }

    /// Sends every command, then reads every reply, in order. Error replies stay in place as `.error`; only a
    /// connection failure throws (and then no reply is returned).
    public func pipeline(_ commands: [[RedisArgument]]) throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        for arguments in commands { _ = try Self.validate(arguments) }
        return try withContext { context in
            for arguments in commands { try context.append(arguments) }
            return try commands.map { _ in try context.readReply() }
        }
    }

    /// Closes the socket now; the next call connects again.
    public func disconnect() { context = nil }

    /// Runs `body` on a live context, connecting first if the last one died. Any failure drops the context, since
    /// hiredis cannot reuse a context after an error.
    private func withContext<R>(_ body: (RedisContext) throws -> R) throws -> R {
        let live: RedisContext
        if let context { live = context } else {
            live = try connect()
            context = live
        }
        do {
            return try body(live)
        } catch {
            context = nil
            throw error
        }
    }

    private func connect() throws -> RedisContext {
        let context = try RedisContext(host: url.host, port: url.port, connectTimeout: connectTimeout,
                                       commandTimeout: commandTimeout)
        if let password = url.password {
            let auth: [RedisArgument] = url.username.map { ["AUTH", .string($0), .string(password)] }
                ?? ["AUTH", .string(password)]
            try setUp(context, auth, step: "AUTH")
        }
        if url.database != 0 {
            try setUp(context, ["SELECT", .int(url.database)], step: "SELECT \(url.database)")
        }
        return context
    }

    private func setUp(_ context: RedisContext, _ arguments: [RedisArgument], step: String) throws {
        let reply: RedisReply
        do {
            reply = try context.roundTrip(arguments)
        } catch let error as RedisError {
            throw RedisError(kind: .connection, message: "\(step) on \(url.host):\(url.port) failed: \(error.message)")
        }
        if case .error(let message) = reply {
            let reason = Self.withoutArgumentEcho(message)
            throw RedisError(kind: .connection, message: "\(step) on \(url.host):\(url.port) was refused: \(reason)")
        }
    }

    private static func validate(_ arguments: [RedisArgument]) throws -> String? {
        guard !arguments.isEmpty else {
            throw RedisError(kind: .protocolError, message: "a command needs at least one argument")
        }
        return RedisCommandName(arguments: arguments)?.text
    }

    /// Redis 7 quotes the unknown command or subcommand and appends "with args beginning with: ..."; a misplaced
    /// value would land in the message, so only the kind of mistake is kept (`command` names it when plausible).
    static func withoutArgumentEcho(_ message: String) -> String {
        for prefix in ["ERR unknown command", "ERR unknown subcommand"] where message.hasPrefix(prefix) {
            return prefix
        }
        guard let range = message.firstRange(of: ", with args beginning with:") else { return message }
        return String(message[..<range.lowerBound])
    }
}

/// One connection per thread: hiredis contexts must not be shared, so sending one across threads is a compile error.
@available(*, unavailable)
extension RedisConnection: Sendable {}
