import Foundation
import Redis

/// The Redis stream that carries execution ids to workers. Only ids: PostgreSQL holds everything else, so losing
/// the stream loses nothing (the reconciler re-enqueues what PostgreSQL says is queued but not enqueued).
public struct ExecutionQueue {
    public static let stream = "herald:executions"
    public static let group = "herald-workers"

    let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    /// Creates the stream and its consumer group if they are missing.
    public func ensureGroup() throws {
        do {
            try redis.command("XGROUP", "CREATE", .string(Self.stream), .string(Self.group), "0", "MKSTREAM")
        } catch let error as RedisError where error.kind == .reply && error.message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// Appends the ids in one pipeline.
    public func enqueue(_ executionIDs: [UUID]) throws {
        guard !executionIDs.isEmpty else { return }
        let replies = try redis.pipeline(executionIDs.map { ["XADD", .string(Self.stream), "*", "execution", .string($0.uuidString.lowercased())] })
        if let failure = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = failure {
            throw RedisError(kind: .reply, message: message)
        }
    }
}
