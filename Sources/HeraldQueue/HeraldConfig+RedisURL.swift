import HeraldCore
import Redis

extension HeraldConfig {
    /// `HERALD_REDIS_URL` parsed the way connections will parse it, so a bad one is a configuration error at start-up.
    public func validateRedisURL() throws(ConfigError) {
        do { _ = try RedisURL(parsing: redisURL) } catch {
            throw ConfigError(key: "HERALD_REDIS_URL", reason: "is not usable: \((error as? RedisError)?.message ?? "\(error)")")
        }
    }
}
