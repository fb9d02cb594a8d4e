import Foundation

/// Holds the host key an SFTP channel saw on its first connection to a destination without a pin, until the caller
/// (the worker, the connection test) stores it as the destination's pin with its own database connection.
public final class LearnedHostKey: @unchecked Sendable {
    private let lock = NSLock()
    private var key: String?

    public init() {}

    /// The closure to set as `ChannelEnvironment.hostKeyLearned`.
    public var recorder: @Sendable (String) -> Void { { [self] key in lock.withLock { self.key = key } } }

    /// The key learned since the last call, once.
    public func take() -> String? { lock.withLock { defer { key = nil }; return key } }
}
