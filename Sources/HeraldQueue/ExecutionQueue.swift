import Foundation
import Redis

/// The Redis streams that carry execution ids to workers, one per priority (0–9), all read by one consumer group.
/// Only ids: PostgreSQL holds everything else, so losing the streams loses nothing (the reconciler re-enqueues what
/// PostgreSQL says is queued). Delivery is at-least-once; the lease on the execution row makes a duplicate harmless.
public struct ExecutionQueue {
    public static let group = RedisKeys.workerGroup
    /// Set when the groups are created. Its absence means Redis lost its data (FLUSHALL, a restart without
    /// persistence), so every queued execution must be enqueued again.
    public static let epochKey = RedisKeys.queueEpoch
    public static let priorities = Array((0...9).reversed())

    public static func stream(priority: Int) -> String { RedisKeys.executions(priority: priority) }
    static let streamsHighFirst = priorities.map { stream(priority: $0) }

    /// One entry read from a stream: acknowledge it with `ack` when the execution no longer needs it.
    public struct Entry: Sendable, Hashable {
        public let stream: String
        public let entryID: String
        public let executionID: UUID
    }

    let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    /// Creates the streams and the consumer group where missing.
    public func ensureGroups() throws {
        let replies = try redis.pipeline(Self.streamsHighFirst.map { ["XGROUP", "CREATE", .string($0), .string(Self.group), "0", "MKSTREAM"] })
        for case .error(let message) in replies where !message.hasPrefix("BUSYGROUP") {
            throw RedisError(kind: .reply, message: message)
        }
    }

    /// Records that the streams hold everything PostgreSQL believes is enqueued. Only the reconciler sets it, after
    /// re-enqueueing, so a crash in between means the next round re-enqueues again.
    public func setEpoch() throws {
        try redis.command("SET", .string(Self.epochKey), .string(UUID().uuidString), "NX")
    }

    /// Whether the epoch key is still there (false after Redis lost its data).
    public func epochExists() throws -> Bool {
        try redis.command("EXISTS", .string(Self.epochKey)).int == 1
    }

    /// Appends the ids, each to its priority's stream, in one pipeline.
    public func enqueue(_ executions: [(id: UUID, priority: Int)]) throws {
        guard !executions.isEmpty else { return }
        let replies = try redis.pipeline(executions.map {
            ["XADD", .string(Self.stream(priority: $0.priority)), "*", "execution", .string($0.id.uuidString.lowercased())]
        })
        for case .error(let message) in replies { throw RedisError(kind: .reply, message: message) }
    }

    /// Appends ids (lower-case uuid strings) grouped by priority: one script call per priority, all in one pipeline.
    /// The server loops over the ids, so a release of thousands of executions at one instant costs one round trip and
    /// no per-command parsing; the entries are the same as `enqueue`'s.
    public func enqueue(ids byPriority: [Int: [String]]) throws {
        let calls: [[RedisArgument]] = byPriority.filter { !$0.value.isEmpty }.map { priority, ids in
            ["EVAL", .string(Self.appendScript), .int(1), .string(Self.stream(priority: priority))] + ids.map { .string($0) }
        }
        guard !calls.isEmpty else { return }
        for case .error(let message) in try redis.pipeline(calls) { throw RedisError(kind: .reply, message: message) }
    }

    static let appendScript = """
        for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', 'execution', ARGV[i]) end
        return #ARGV
        """

    /// Reads the next entry for `consumer`, highest priority first, after acknowledging `acking` (the entries the
    /// worker just finished) in the same round trip. The non-blocking pass runs server-side, one call for all ten
    /// streams; when all are empty it blocks up to `blockMilliseconds` on all of them at once.
    public func next(consumer: String, blockMilliseconds: Int, acking: [Entry] = []) throws -> [Entry] {
        let entries = try nextNow(consumer: consumer, acking: acking)
        if !entries.isEmpty { return entries }
        let blocked = try redis.command(["XREADGROUP", "GROUP", .string(Self.group), .string(consumer), "COUNT", "1",
                                         "BLOCK", .int(blockMilliseconds), "STREAMS"]
                                        + Self.streamsHighFirst.map { .string($0) } + Self.streamsHighFirst.map { _ in ">" })
        return Self.entries(blocked)
    }

    /// `next` without the wait: acknowledges `acking` and returns the next entry, or none when every stream is empty.
    public func nextNow(consumer: String, acking: [Entry] = []) throws -> [Entry] {
        var arguments: [RedisArgument] = ["EVAL", .string(Self.readHighestScript), .int(Self.streamsHighFirst.count)]
        arguments += Self.streamsHighFirst.map { .string($0) }
        arguments += [.string(Self.group), .string(consumer)]
        for entry in acking {
            guard let index = Self.streamsHighFirst.firstIndex(of: entry.stream) else { continue }
            arguments += [.int(index + 1), .string(entry.entryID)]
        }
        return Self.entries(try redis.command(arguments))
    }

    /// ARGV: group, consumer, then (stream index, entry id) pairs to acknowledge and delete first.
    static let readHighestScript = """
        for i = 3, #ARGV, 2 do
          local key = KEYS[tonumber(ARGV[i])]
          redis.call('XACK', key, ARGV[1], ARGV[i + 1])
          redis.call('XDEL', key, ARGV[i + 1])
        end
        for _, key in ipairs(KEYS) do
          local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', key, '>')
          if r then return r end
        end
        return false
        """

    /// Acknowledges and deletes the entries (nothing reads them again, and the streams stay small).
    public func ack(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        _ = try redis.pipeline(entries.flatMap { entry -> [[RedisArgument]] in
            [["XACK", .string(entry.stream), .string(Self.group), .string(entry.entryID)], ["XDEL", .string(entry.stream), .string(entry.entryID)]]
        })
    }

    /// Resets the idle time of entries this consumer is still working on, so `reclaim` elsewhere leaves them alone.
    public func touch(_ entries: [Entry], consumer: String) throws {
        guard !entries.isEmpty else { return }
        _ = try redis.pipeline(entries.map {
            ["XCLAIM", .string($0.stream), .string(Self.group), .string(consumer), "0", .string($0.entryID), "JUSTID"]
        })
    }

    /// Takes over entries idle longer than `minIdleMilliseconds` (their consumer died or hung) with `XAUTOCLAIM`.
    public func reclaim(consumer: String, minIdleMilliseconds: Int, count: Int = 100) throws -> [Entry] {
        let replies = try redis.pipeline(Self.streamsHighFirst.map {
            ["XAUTOCLAIM", .string($0), .string(Self.group), .string(consumer), .int(minIdleMilliseconds), "0", "COUNT", .int(count)]
        })
        var entries: [Entry] = []
        for (stream, reply) in zip(Self.streamsHighFirst, replies) {
            guard let parts = reply.array, parts.count >= 2, let list = parts[1].array else { continue }
            entries += list.compactMap { Self.entry(stream: stream, $0) }
        }
        return entries
    }

    /// `[[stream, [[id, [field, value]], ...]], ...]` → entries.
    static func entries(_ reply: RedisReply) -> [Entry] {
        (reply.array ?? []).flatMap { streamReply -> [Entry] in
            guard let parts = streamReply.array, parts.count == 2, let stream = parts[0].string else { return [] }
            return (parts[1].array ?? []).compactMap { entry(stream: stream, $0) }
        }
    }

    static func entry(stream: String, _ reply: RedisReply) -> Entry? {
        guard let parts = reply.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array,
              let index = fields.firstIndex(where: { $0.string == "execution" }), index + 1 < fields.count,
              let text = fields[index + 1].string, let execution = UUID(uuidString: text) else { return nil }
        return Entry(stream: stream, entryID: id, executionID: execution)
    }
}
