import HeraldQueue
import Redis

extension Doctor {
    func connectRedis(_ url: String) -> (connection: RedisConnection?, result: DoctorResult) {
        let shown = (try? RedisURL(parsing: url).description) ?? "HERALD_REDIS_URL"
        do {
            let connection = try RedisConnection(url: url, connectTimeout: 2, commandTimeout: 2)
            try connection.command("PING")
            let version = (try? RedisServerInfo.version(on: connection)).flatMap { $0 }.map { ": Redis \($0)" } ?? ""
            return (connection, DoctorResult("redis", .ok, "\(shown)\(version)"))
        } catch {
            return (nil, DoctorResult("redis", .failed, "\(shown) is unreachable: \(error)"))
        }
    }

    func evictionPolicyCheck(_ connection: RedisConnection) -> DoctorResult {
        let policy: String?
        do { policy = try RedisServerInfo.evictionPolicy(on: connection) } catch {
            return DoctorResult("redis eviction", .warning,
                                "could not read maxmemory-policy (\(error)); it must be noeviction, or the queue can lose entries")
        }
        guard let policy else {
            return DoctorResult("redis eviction", .warning, "could not read maxmemory-policy; it must be noeviction, or the queue can lose entries")
        }
        guard RedisServerInfo.evicts(policy: policy) else { return DoctorResult("redis eviction", .ok, "maxmemory-policy is noeviction") }
        return DoctorResult("redis eviction", .warning,
                            "maxmemory-policy is \(policy): when memory runs out Redis may delete queued execution ids without an error; set noeviction")
    }
}
