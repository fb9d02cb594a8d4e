import Foundation
import HeraldQueue
import HeraldWeb
import Logging
import Postgres
import Redis

/// Logs a readiness check's failures and recoveries once per change of state, not on every probe: the web's
/// threads share one, so 16 threads polled every few seconds by a load balancer still write one line per outage.
final class ReadinessLog: @unchecked Sendable {
    private let logger: Logger
    private let lock = NSLock()
    private var failing: [String: Bool] = [:]

    init(logger: Logger) { self.logger = logger }

    func record(_ check: String, failed error: (any Error)?) {
        let changed = lock.withLock { () -> Bool in
            let was = failing[check] ?? false
            failing[check] = error != nil
            return was != (error != nil)
        }
        guard changed else { return }
        if let error {
            logger.warning("readiness check failing", metadata: ["check": "\(check)", "error": "\(error)"])
        } else {
            logger.notice("readiness check passing again", metadata: ["check": "\(check)"])
        }
    }
}

/// `/readyz` checks. Each web thread owns one set, with its own connections opened on first use. Outputs name the
/// failure kind only: connection errors from libpq or hiredis may echo a host, never a password, but we keep even
/// that out of a public endpoint.
final class ConnectionReadinessCheck<Connection>: ReadinessCheck {
    let name: String
    private let failure: String
    private let connect: () throws -> Connection
    private let probe: (Connection) throws -> Void
    private let log: ReadinessLog
    private var connection: Connection?

    init(name: String, failure: String, log: ReadinessLog, connect: @escaping () throws -> Connection,
         probe: @escaping (Connection) throws -> Void) {
        self.name = name
        self.failure = failure
        self.log = log
        self.connect = connect
        self.probe = probe
    }

    func run() -> ReadinessResult {
        let started = DispatchTime.now()
        do {
            let live = try connection ?? connect()
            connection = live
            try probe(live)
            log.record(name, failed: nil)
            return .pass(milliseconds: started.millisecondsElapsed)
        } catch {
            connection = nil
            log.record(name, failed: error)
            return .fail(failure)
        }
    }
}

extension ConnectionReadinessCheck where Connection == PostgresConnection {
    static func postgres(url: String, log: ReadinessLog) -> ConnectionReadinessCheck {
        ConnectionReadinessCheck(name: "postgresql:responseTime", failure: "PostgreSQL is unreachable", log: log,
                                 connect: { try PostgresConnection(url: url) }, probe: { try $0.query("SELECT 1") })
    }
}

extension ConnectionReadinessCheck where Connection == RedisConnection {
    static func redis(url: String, log: ReadinessLog) -> ConnectionReadinessCheck {
        ConnectionReadinessCheck(name: "redis:responseTime", failure: "Redis is unreachable", log: log,
                                 connect: { try RedisConnection(url: url, connectTimeout: 2, commandTimeout: 2) }, probe: { try $0.command("PING") })
    }
}

/// Age of the newest scheduler heartbeat. No scheduler (or a stale one) is a warning: the web still serves pages.
final class SchedulerHeartbeatCheck: ReadinessCheck {
    let name = "scheduler:heartbeatAge"
    private let url: String
    private let log: ReadinessLog
    private var connection: RedisConnection?

    init(url: String, log: ReadinessLog) {
        self.url = url
        self.log = log
    }

    func run() -> ReadinessResult {
        do {
            if connection == nil { connection = try RedisConnection(url: url, connectTimeout: 2, commandTimeout: 2) }
            guard let newest = try HeartbeatRegistry.newest(on: connection!) else {
                return ReadinessResult(status: .warn, output: "no scheduler has reported in the last minute")
            }
            let age = Date().timeIntervalSince(newest.at)
            let stale = age > Double(HeartbeatRegistry.ttlSeconds)
            log.record(name, failed: nil)
            return ReadinessResult(status: stale ? .warn : .pass, observedValue: (age * 10).rounded() / 10, observedUnit: "s",
                                   output: stale ? "the newest scheduler heartbeat is \(Int(age)) s old" : nil)
        } catch {
            connection = nil
            log.record(name, failed: error)
            return .fail("Redis is unreachable")
        }
    }
}

extension DispatchTime {
    var millisecondsElapsed: Double {
        (Double(DispatchTime.now().uptimeNanoseconds - uptimeNanoseconds) / 1_000_000 * 100).rounded() / 100
    }
}
