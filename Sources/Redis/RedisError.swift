/// Every failure of the Redis module. Descriptions never include command arguments (they may carry secrets).
public struct RedisError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, authenticate or select the database.
        case connection
        /// A socket error on a live connection.
        case io
        /// The server sent something hiredis could not parse.
        case protocolError
        /// The server answered with an error reply (`ERR ...`, `WRONGTYPE ...`).
        case reply
        /// The connection dropped; the next call reconnects.
        case connectionLost
        /// The URL could not be understood.
        case invalidURL
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "Redis \(kind): \(message)" }
}
