import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore

/// Everything `/status` and `GET /api/v1/status` show beyond the readiness checks: the queue's depth per priority
/// and the workers' heartbeats (from Redis; `redisError` when it cannot be read), the runs of the last 24 hours by
/// status and the upcoming runs by weekday and hour (from PostgreSQL, limited to what the actor may see).
struct StatusSnapshot: Encodable {
    struct QueueDepth: Encodable { let priority: Int; let depth: Int }
    struct Worker: Encodable {
        let id: String; let role: String; let version: String; let host: String; let pid: Int
        let startedAt: Date; let beatAt: Date; let inFlight: Int
    }
    struct Upcoming: Encodable { let timeZone: String; let days: Int; let total: Int; let truncated: Bool; let cells: [[Int]] }

    let queue: [QueueDepth]
    let workers: [Worker]
    let redisError: String?
    let runsLast24h: [String: Int]
    let upcoming: Upcoming

    static func load(_ context: RequestContext, zone: String) throws -> StatusSnapshot {
        var queue: [QueueDepth] = []
        var workers: [Worker] = []
        var redisError: String?
        do {
            let redis = try context.redis()
            queue = try ExecutionQueue(redis: redis).depths().map { QueueDepth(priority: $0.priority, depth: $0.length) }
            workers = try HeartbeatRegistry.all(on: redis).map {
                Worker(id: $0.id, role: $0.role, version: $0.version, host: $0.host, pid: Int($0.pid), startedAt: $0.startedAt,
                       beatAt: $0.beatAt, inFlight: $0.inFlight)
            }
        } catch {
            context.connections.resetRedis()
            context.logger.warning("status: Redis could not be read", metadata: ["error": "\(error)"])
            redisError = "Redis could not be read; the queue and the workers are unknown."
        }
        let statistics = RunStatistics(connection: try context.store())
        let runs = try statistics.runsByStatus(lastHours: 24, actor: context.actor)
        let map = try statistics.upcomingHeatMap(days: 7, zone: zone, actor: context.actor)
        return StatusSnapshot(queue: queue, workers: workers, redisError: redisError,
                              runsLast24h: Dictionary(uniqueKeysWithValues: runs.map { ($0.status, $0.count) }),
                              upcoming: Upcoming(timeZone: zone, days: 7, total: map.total, truncated: map.truncated, cells: map.cells))
    }

    enum CodingKeys: String, CodingKey { case queue, workers, redisError, runsLast24h = "runs_last_24h", upcoming }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queue, forKey: .queue)
        try c.encode(workers, forKey: .workers)
        try c.encode(redisError, forKey: .redisError)
        try c.encode(runsLast24h, forKey: .runsLast24h)
        try c.encode(upcoming, forKey: .upcoming)
    }
}
