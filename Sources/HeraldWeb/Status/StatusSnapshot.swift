import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore

/// Everything `/status` and `GET /api/v1/status` show beyond the readiness checks: the queue's depth per priority
/// and the workers' heartbeats (from Redis; `redisError` when it cannot be read), the runs of the last 24 hours by
/// status, how the last 24 hours and 7 days went (success rate, average run time), the slowest and the failing
/// schedules, the dead letters waiting and the upcoming runs by weekday and hour (from PostgreSQL, limited to what the
/// actor may see), and the circuit breakers open (Redis).
struct StatusSnapshot: Encodable {
    struct QueueDepth: Encodable { let priority: Int; let depth: Int }
    struct Worker: Encodable {
        let id: String; let role: String; let version: String; let host: String; let pid: Int
        let startedAt: Date; let beatAt: Date; let inFlight: Int
    }
    struct Upcoming: Encodable { let timeZone: String; let days: Int; let total: Int; let truncated: Bool; let cells: [[Int]] }
    struct Period: Encodable {
        let hours: Int; let ended: Int; let succeeded: Int; let successRate: Double?; let averageSeconds: Double?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(hours, forKey: .hours)
            try c.encode(ended, forKey: .ended)
            try c.encode(succeeded, forKey: .succeeded)
            try c.encode(successRate, forKey: .successRate)
            try c.encode(averageSeconds, forKey: .averageSeconds)
        }
        enum Keys: String, CodingKey { case hours, ended, succeeded, successRate = "success_rate", averageSeconds = "average_seconds" }
    }
    struct Slow: Encodable { let id: UUID; let name: String; let runs: Int; let averageSeconds: Double; let longestSeconds: Double }
    struct Failing: Encodable {
        let id: UUID; let name: String; let status: String; let finishedAt: Date?; let error: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(status, forKey: .status)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(error, forKey: .error)
        }
        enum Keys: String, CodingKey { case id, name, status, finishedAt = "finished_at", error }
    }
    struct Breaker: Encodable { let host: String; let openUntil: Date }

    let queue: [QueueDepth]
    let workers: [Worker]
    let redisError: String?
    let runsLast24h: [String: Int]
    let upcoming: Upcoming
    let last24h: Period
    let last7d: Period
    let slowestSchedules: [Slow]
    let failingSchedules: [Failing]
    let failingTotal: Int
    let deadLettersWaiting: Int
    /// nil when Redis could not be read.
    let breakersOpen: [Breaker]?

    static func load(_ context: RequestContext, zone: String) throws -> StatusSnapshot {
        var queue: [QueueDepth] = []
        var workers: [Worker] = []
        var redisError: String?
        var breakers: [Breaker]?
        do {
            let redis = try context.redis()
            queue = try ExecutionQueue(redis: redis).depths().map { QueueDepth(priority: $0.priority, depth: $0.length) }
            workers = try HeartbeatRegistry.all(on: redis).map {
                Worker(id: $0.id, role: $0.role, version: $0.version, host: $0.host, pid: Int($0.pid), startedAt: $0.startedAt,
                       beatAt: $0.beatAt, inFlight: $0.inFlight)
            }
            breakers = try CircuitBreaker.open(on: redis).map { Breaker(host: $0.host, openUntil: $0.until) }
        } catch {
            context.connections.resetRedis()
            context.logger.warning("status: Redis could not be read", metadata: ["error": "\(error)"])
            redisError = "Redis could not be read; the queue and the workers are unknown."
        }
        let statistics = RunStatistics(connection: try context.store())
        let runs = try statistics.runsByStatus(lastHours: 24, actor: context.actor)
        let map = try statistics.upcomingHeatMap(days: 7, zone: zone, actor: context.actor)
        func period(_ health: RunHealth) -> Period {
            Period(hours: health.hours, ended: health.ended, succeeded: health.succeeded, successRate: health.successRate,
                   averageSeconds: health.averageSeconds)
        }
        let failing = try statistics.failingSchedules(actor: context.actor)
        return StatusSnapshot(queue: queue, workers: workers, redisError: redisError,
                              runsLast24h: Dictionary(uniqueKeysWithValues: runs.map { ($0.status, $0.count) }),
                              upcoming: Upcoming(timeZone: zone, days: 7, total: map.total, truncated: map.truncated, cells: map.cells),
                              last24h: period(try statistics.health(lastHours: 24, actor: context.actor)),
                              last7d: period(try statistics.health(lastHours: 7 * 24, actor: context.actor)),
                              slowestSchedules: try statistics.slowestSchedules(actor: context.actor).map {
                                  Slow(id: $0.id, name: $0.name, runs: $0.runs, averageSeconds: $0.averageSeconds, longestSeconds: $0.longestSeconds)
                              },
                              failingSchedules: failing.schedules.map {
                                  Failing(id: $0.id, name: $0.name, status: $0.status, finishedAt: $0.finishedAt, error: $0.error)
                              },
                              failingTotal: failing.total, deadLettersWaiting: try statistics.deadLettersWaiting(actor: context.actor),
                              breakersOpen: breakers)
    }

    enum CodingKeys: String, CodingKey {
        case queue, workers, redisError, runsLast24h = "runs_last_24h", upcoming, last24h = "last_24h", last7d = "last_7d"
        case slowestSchedules = "slowest_schedules", failingSchedules = "failing_schedules", failingTotal = "failing_total"
        case deadLettersWaiting = "dead_letters_waiting", breakersOpen = "breakers_open"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queue, forKey: .queue)
        try c.encode(workers, forKey: .workers)
        try c.encode(redisError, forKey: .redisError)
        try c.encode(runsLast24h, forKey: .runsLast24h)
        try c.encode(upcoming, forKey: .upcoming)
        try c.encode(last24h, forKey: .last24h)
        try c.encode(last7d, forKey: .last7d)
        try c.encode(slowestSchedules, forKey: .slowestSchedules)
        try c.encode(failingSchedules, forKey: .failingSchedules)
        try c.encode(failingTotal, forKey: .failingTotal)
        try c.encode(deadLettersWaiting, forKey: .deadLettersWaiting)
        try c.encode(breakersOpen, forKey: .breakersOpen)
    }
}
