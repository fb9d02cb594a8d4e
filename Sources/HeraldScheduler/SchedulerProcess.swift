import Foundation
import HeraldCore
import Logging
import Postgres
import Redis

/// `herald scheduler`. For now it connects, proves PostgreSQL is reachable, and beats every few seconds until it is
/// told to stop; firing and executing schedules arrive with their own issue. All blocking I/O runs on the calling
/// thread, which `herald` dedicates to it.
public final class SchedulerProcess: @unchecked Sendable {
    public static let beatInterval: TimeInterval = 5

    let config: HeraldConfig
    let logger: Logger
    let version: String
    let id: String
    private let stopCondition = NSCondition()
    private var stopRequested = false

    public init(config: HeraldConfig, version: String, logger: Logger) {
        self.config = config
        self.version = version
        self.logger = logger
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.id = "scheduler:\(hostName):\(getpid())"
    }

    /// Asks `run()` to return after its current step; safe from any thread or a signal source.
    public func stop() {
        stopCondition.lock()
        stopRequested = true
        stopCondition.broadcast()
        stopCondition.unlock()
    }

    /// Sleeps up to `seconds`, returning early (true) when stopped.
    private func sleep(_ seconds: TimeInterval) -> Bool {
        stopCondition.lock()
        defer { stopCondition.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while !stopRequested && stopCondition.wait(until: deadline) {}
        return stopRequested
    }

    /// Beats until `stop()`; PostgreSQL or Redis being down is logged and retried with backoff, never fatal.
    public func run() {
        let started = Date()
        var heartbeat = Heartbeat(id: id, role: "scheduler", version: version, host: id.split(separator: ":")[1].description,
                                  pid: getpid(), startedAt: started, beatAt: started, inFlight: 0)
        var postgres: PostgresConnection?
        var redis: RedisConnection?
        var backoff: TimeInterval = 0.5
        logger.info("scheduler started", metadata: ["id": "\(id)"])
        while true {
            do {
                if postgres == nil { postgres = try PostgresConnection(url: config.databaseURL) }
                try postgres?.query("SELECT 1")
                if redis == nil { redis = try RedisConnection(url: config.redisURL, commandTimeout: 5) }
                heartbeat.beatAt = Date()
                try HeartbeatRegistry.beat(heartbeat, on: redis!)
                backoff = 0.5
                if sleep(Self.beatInterval) { break }
            } catch {
                logger.warning("scheduler cannot reach its stores; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                if sleep(backoff) { break }
                backoff = min(backoff * 2, 30)
            }
        }
        if let redis { try? HeartbeatRegistry.remove(id: id, on: redis) }
        logger.info("scheduler stopped", metadata: ["id": "\(id)"])
    }
}
