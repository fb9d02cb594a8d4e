import Foundation
import Redis

/// What a Herald process tells the others (and `/readyz`) about itself every few seconds.
public struct Heartbeat: Codable, Sendable, Equatable {
    public let id: String
    public let role: String
    public let version: String
    public let host: String
    public let pid: Int32
    public let startedAt: Date
    public var beatAt: Date
    public var inFlight: Int

    public init(id: String, role: String, version: String, host: String, pid: Int32, startedAt: Date, beatAt: Date, inFlight: Int) {
        self.id = id
        self.role = role
        self.version = version
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.beatAt = beatAt
        self.inFlight = inFlight
    }
}

/// Heartbeats in Redis: `herald:heartbeat:<id>` holds the JSON with a TTL, and the sorted set `herald:heartbeats`
/// scores each id by its last beat, so the newest one is one `ZREVRANGE` away.
public enum HeartbeatRegistry {
    public static let setKey = RedisKeys.heartbeats
    public static let ttlSeconds = 15
    static func key(_ id: String) -> String { RedisKeys.heartbeat(id) }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    public static func beat(_ heartbeat: Heartbeat, on redis: RedisConnection) throws {
        let json = try encoder.encode(heartbeat)
        let nowMs = Int(heartbeat.beatAt.timeIntervalSince1970 * 1000)
        let replies = try redis.pipeline([
            ["SET", .string(key(heartbeat.id)), .bytes(Array(json)), "EX", .int(ttlSeconds)],
            ["ZADD", .string(setKey), .int(nowMs), .string(heartbeat.id)],
            // Forget processes that stopped beating a minute ago.
            ["ZREMRANGEBYSCORE", .string(setKey), "-inf", .int(nowMs - 60_000)],
        ])
        if let failure = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = failure {
            throw RedisError(kind: .reply, message: message)
        }
    }

    public static func remove(id: String, on redis: RedisConnection) throws {
        _ = try redis.pipeline([["DEL", .string(key(id))], ["ZREM", .string(setKey), .string(id)]])
    }

    /// The most recent beat of any process, if one beat in the last minute.
    public static func newest(on redis: RedisConnection) throws -> (id: String, at: Date)? {
        let reply = try redis.command("ZREVRANGE", .string(setKey), "0", "0", "WITHSCORES")
        guard let items = reply.array, items.count == 2, let id = items[0].string,
              let score = items[1].string, let ms = Double(score) else { return nil }
        return (id, Date(timeIntervalSince1970: ms / 1000))
    }
}
