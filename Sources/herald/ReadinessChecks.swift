import Foundation
import HeraldScheduler
import HeraldWeb
import Postgres
import Redis

/// `/readyz` checks. Each web thread owns one set, with its own connections opened on first use. Outputs name the
/// failure kind only: connection errors from libpq or hiredis may echo a host, never a password, but we keep even
/// that out of a public endpoint.
final class PostgresReadinessCheck: ReadinessCheck {
    let name = "postgresql:responseTime"
    private let url: String
    private var connection: PostgresConnection?

    init(url: String) { self.url = url }

    func run() -> ReadinessResult {
        let started = DispatchTime.now()
        do {
            if connection == nil { connection = try PostgresConnection(url: url) }
            _ = try connection!.query("SELECT 1")
            return .pass(milliseconds: started.millisecondsElapsed)
        } catch {
            connection = nil
            return .fail("PostgreSQL is unreachable")
        }
    }
}

final class RedisReadinessCheck: ReadinessCheck {
    let name = "redis:responseTime"
    private let url: String
    private var connection: RedisConnection?

    init(url: String) { self.url = url }

    func run() -> ReadinessResult {
        let started = DispatchTime.now()
        do {
            if connection == nil { connection = try RedisConnection(url: url) }
            _ = try connection!.command("PING")
            return .pass(milliseconds: started.millisecondsElapsed)
        } catch {
            connection = nil
            return .fail("Redis is unreachable")
        }
    }
}

/// Age of the newest scheduler heartbeat. No scheduler (or a stale one) is a warning: the web still serves pages.
final class SchedulerHeartbeatCheck: ReadinessCheck {
    let name = "scheduler:heartbeatAge"
    private let url: String
    private var connection: RedisConnection?

    init(url: String) { self.url = url }

    func run() -> ReadinessResult {
        do {
            if connection == nil { connection = try RedisConnection(url: url) }
            guard let newest = try HeartbeatRegistry.newest(on: connection!) else {
                return ReadinessResult(status: .warn, output: "no scheduler has reported in the last minute")
            }
            let age = Date().timeIntervalSince(newest.at)
            let stale = age > Double(HeartbeatRegistry.ttlSeconds)
            return ReadinessResult(status: stale ? .warn : .pass, observedValue: (age * 10).rounded() / 10, observedUnit: "s",
                                   output: stale ? "the newest scheduler heartbeat is \(Int(age)) s old" : nil)
        } catch {
            connection = nil
            return .fail("Redis is unreachable")
        }
    }
}

extension DispatchTime {
    var millisecondsElapsed: Double {
        (Double(DispatchTime.now().uptimeNanoseconds - uptimeNanoseconds) / 1_000_000 * 100).rounded() / 100
    }
}
