import Redis

/// What `herald doctor` asks the Redis server about itself.
public enum RedisServerInfo {
    /// `redis_version` from `INFO server`, nil if the reply does not carry one.
    public static func version(on connection: RedisConnection) throws -> String? {
        let info = try connection.command("INFO", "server").string ?? ""
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("redis_version:") {
            return String(line.dropFirst("redis_version:".count))
        }
        return nil
    }

    /// `maxmemory-policy`. Throws when `CONFIG` is refused (renamed, ACL); nil when the reply names no policy.
    public static func evictionPolicy(on connection: RedisConnection) throws -> String? {
        let reply = try connection.command("CONFIG", "GET", "maxmemory-policy").array ?? []
        return reply.count == 2 ? reply[1].string : nil
    }

    /// Every policy but `noeviction` may delete keys when memory runs out, stream entries included: the queue would
    /// lose execution ids without an error (the reconciler re-enqueues them, but only after a delay).
    public static func evicts(policy: String) -> Bool { policy != "noeviction" }
}
