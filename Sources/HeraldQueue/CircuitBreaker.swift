import Foundation
import Redis

/// Stops hammering a dead server: after `threshold` failures in a row against one host (within `window` seconds),
/// the host is "open" for `openSeconds` and deliveries to it wait instead of failing again. State lives in Redis, so
/// every worker of every scheduler process shares it; if Redis is away the breaker lets everything through.
///
/// A host that just worked is trusted for `trustSeconds` without asking Redis again (one worker, one breaker), so a
/// healthy destination costs no round trips; a breaker another process opened is noticed that much later.
public final class CircuitBreaker {
    public var threshold = 5
    public var openSeconds = 60
    public var window = 300
    public var trustSeconds: TimeInterval = 1
    let redis: RedisConnection
    private var healthySince: [String: Date] = [:]

    public init(redis: RedisConnection) { self.redis = redis }

    /// Every breaker open now, by host, and when it closes (`SCAN`, so a large keyspace is walked in steps, never
    /// blocked on; at most `limit` are returned).
    public static func open(on redis: RedisConnection, limit: Int = 100) throws -> [(host: String, until: Date)] {
        var found: [(String, Date)] = []
        var cursor = "0"
        repeat {
            let reply = try redis.command("SCAN", .string(cursor), .string("MATCH"), .string(RedisKeys.breakersOpen), .string("COUNT"), .string("500"))
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else { break }
            cursor = next
            for key in keys.compactMap(\.string) where found.count < limit {
                guard let ms = try redis.command("PTTL", .string(key)).int, ms > 0 else { continue }
                let host = String(key.dropFirst("herald:breaker:".count).dropLast(":open".count))
                found.append((host, Date().addingTimeInterval(Double(ms) / 1000)))
            }
        } while cursor != "0" && found.count < limit
        return found.sorted { $0.0 < $1.0 }
    }

    static func failuresKey(_ host: String) -> String { RedisKeys.breakerFailures(host: host) }
    static func openKey(_ host: String) -> String { RedisKeys.breakerOpen(host: host) }

    /// When the breaker for `host` closes again, if it is open now.
    public func openUntil(_ host: String) -> Date? {
        if let since = healthySince[host], since.timeIntervalSinceNow > -trustSeconds { return nil }
        guard let ms = try? redis.command("PTTL", .string(Self.openKey(host))).int, ms > 0 else { return nil }
        return Date().addingTimeInterval(Double(ms) / 1000)
    }

    public func recordSuccess(_ host: String) {
        if let since = healthySince[host], since.timeIntervalSinceNow > -trustSeconds { return }
        _ = try? redis.command("DEL", .string(Self.failuresKey(host)))
        healthySince[host] = Date()
    }

    /// How many hosts' breakers are open now, across every scheduler.
    public static func openCount(redis: RedisConnection) throws -> Int { try open(on: redis, limit: .max).count }

    /// Counts a failure; returns true when it opened the breaker.
    @discardableResult
    public func recordFailure(_ host: String) -> Bool {
        healthySince[host] = nil
        guard let replies = try? redis.pipeline([["INCR", .string(Self.failuresKey(host))],
                                                 ["EXPIRE", .string(Self.failuresKey(host)), .int(window)]]),
              let count = replies.first?.int, count >= threshold else { return false }
        _ = try? redis.pipeline([["SET", .string(Self.openKey(host)), "1", "EX", .int(openSeconds)],
                                 ["DEL", .string(Self.failuresKey(host))]])
        return true
    }
}
