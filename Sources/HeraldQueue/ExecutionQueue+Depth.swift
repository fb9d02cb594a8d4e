import Foundation
import Redis

extension ExecutionQueue {
    /// How many entries each priority's stream holds, highest priority first: waiting plus taken and not yet acked
    /// (acked entries are deleted), for the status page. One pipeline.
    public func depths() throws -> [(priority: Int, length: Int)] {
        let replies = try redis.pipeline(Self.priorities.map { ["XLEN", .string(Self.stream(priority: $0))] })
        return zip(Self.priorities, replies).map { ($0, $1.int ?? 0) }
    }
}
