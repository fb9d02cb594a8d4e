import Foundation
import Redis

extension HeartbeatRegistry {
    /// Every process that beat in the last minute, newest beat first, with what its last beat said. A process whose
    /// heartbeat key expired (stopped more than `ttlSeconds` ago) is left out.
    public static func all(on redis: RedisConnection, limit: Int = 100) throws -> [Heartbeat] {
        let ids = (try redis.command("ZREVRANGE", .string(setKey), "0", .int(limit - 1)).array ?? []).compactMap(\.string)
        guard !ids.isEmpty else { return [] }
        let values = try redis.command([.string("MGET")] + ids.map { .string(key($0)) }).array ?? []
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return values.compactMap { reply in
            guard case .bulk(let bytes) = reply else { return nil }
            return try? decoder.decode(Heartbeat.self, from: Data(bytes))
        }
    }
}
