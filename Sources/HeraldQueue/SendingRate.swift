import Foundation
import Redis

/// A mail server's sending limit, shared by every worker of every scheduler through Redis: at most `perMinute`
/// messages per server per clock minute (`HERALD_SMTP_MESSAGES_PER_MINUTE`). Over it, a send waits for the next
/// minute instead of being refused by the provider. If Redis is away the limit lets everything through.
public final class SendingRate {
    public let perMinute: Int
    let redis: RedisConnection

    public init(redis: RedisConnection, perMinute: Int) {
        self.redis = redis
        self.perMinute = perMinute
    }

    /// Takes `messages` from this minute's allowance for `host`; nil when they may go now, else when the next minute
    /// begins (nothing is taken then).
    public func admit(_ host: String, messages: Int, now: Date = Date()) -> Date? {
        guard perMinute > 0 else { return nil }
        let minute = Int64(now.timeIntervalSince1970) / 60
        let key = RedisKeys.sendingRate(host: host, minute: minute)
        guard let replies = try? redis.pipeline([["INCRBY", .string(key), .int(messages)], ["EXPIRE", .string(key), .int(120)]]),
              let count = replies.first?.int else { return nil }
        // A batch larger than the whole allowance goes alone at the start of a minute rather than never.
        guard count > perMinute, count != messages else { return nil }
        _ = try? redis.command("DECRBY", .string(key), .int(messages))
        return Date(timeIntervalSince1970: TimeInterval((minute + 1) * 60))
    }
}
