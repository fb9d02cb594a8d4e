/// The one error type of the Redis module. Messages carry hiredis' or the server's text and at most the command
/// name, never argument values (they may be secrets).
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Connecting, AUTH or SELECT failed, or the URL is invalid.
        case connection
        /// A client-side failure other than a broken socket (hiredis "other" / out-of-memory errors).
        case io
        /// The server sent something hiredis could not parse, or a command was malformed before sending.
        case protocolError
        /// The server answered with an error reply (`ERR ...`, `WRONGTYPE ...`).
        case reply
        /// The socket broke, closed or timed out mid-command. The command may or may not have run; the next call
        /// connects again.
        case connectionLost
    }

    public let kind: Kind
    public let message: String
    /// The command's name (`SET`, `XADD`), when the error belongs to one.
    public let command: String?

    public init(kind: Kind, message: String, command: String? = nil) {
        self.kind = kind
        self.message = message
        self.command = command
    }

    public var description: String {
        let context = command.map { " (\($0))" } ?? ""
        return "Redis \(kind)\(context): \(message)"
    }
}
