import Foundation
import HeraldCore
import Redis

/// Slows password guessing per account, on top of nginx's per-address `limit_req`: after `freeFailures` failed
/// sign-ins in a row (within an hour) each further failure locks the account for twice as long as the last, from
/// 2 s up to 15 minutes. A correct password after the wait resets it. Every web process shares the counts in Redis.
public struct SignInThrottle: SignInLimiter {
    public var freeFailures = 5
    public var maximumLockSeconds = 15 * 60
    let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    public func wait(for account: String) throws -> Int {
        let ms = try redis.command("PTTL", .string(RedisKeys.signInLocked(account: account))).int ?? -2
        return ms > 0 ? Int((Double(ms) / 1000).rounded(.up)) : 0
    }

    public func recordFailure(for account: String) throws {
        let key = RedisKeys.signInFailures(account: account)
        let replies = try redis.pipeline([["INCR", .string(key)], ["EXPIRE", .string(key), .int(3600)]])
        let failures = replies.first?.int ?? 0
        guard failures > freeFailures else { return }
        let seconds = min(1 << min(failures - freeFailures, 20), maximumLockSeconds)
        _ = try redis.command("SET", .string(RedisKeys.signInLocked(account: account)), "1", "EX", .int(seconds))
    }

    public func reset(for account: String) throws {
        _ = try redis.command("DEL", .string(RedisKeys.signInFailures(account: account)), .string(RedisKeys.signInLocked(account: account)))
    }
}
