import Foundation
import HeraldCore
import Postgres

/// What the status page counts from PostgreSQL, limited to what the actor may see (an admin: everything): the runs of
/// the last hours by status, and the runs to come in the next days by weekday and hour in the viewer's zone.
public struct RunStatistics {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Runs whose slot is in the last `hours`, counted by status; every status is present (0 when none).
    public func runsByStatus(lastHours hours: Int = 24, actor: Actor) throws -> [(status: String, count: Int)] {
        let counts = Dictionary(uniqueKeysWithValues: try connection.query("""
            SELECT e.status, count(*)::int AS n FROM executions e
            WHERE e.scheduled_for > now() - make_interval(hours => \(hours)) AND \(fragment: Visibility.execution("e", actor))
            GROUP BY e.status
            """).map { (try $0.decode("status", as: String.self), try $0.decode("n", as: Int.self)) })
        return ExecutionHistoryService.statuses.map { ($0, counts[$0] ?? 0) }
    }

    /// Runs that ended in the last `hours` (succeeded, partial or failed; skipped and cancelled runs delivered nothing
    /// and are not counted), the share that succeeded and their average time from start to end.
    public func health(lastHours hours: Int, actor: Actor) throws -> RunHealth {
        let row = try connection.query("""
            SELECT count(*)::int AS ended, count(*) FILTER (WHERE e.status = 'succeeded')::int AS succeeded,
                   (avg(extract(epoch FROM e.finished_at - e.started_at)) FILTER (WHERE e.started_at IS NOT NULL))::float8 AS average
            FROM executions e
            WHERE e.finished_at > now() - make_interval(hours => \(hours)) AND e.status IN ('succeeded', 'partial', 'failed')
              AND \(fragment: Visibility.execution("e", actor))
            """)[0]
        return RunHealth(hours: hours, ended: try row.decode("ended"), succeeded: try row.decode("succeeded"),
                         averageSeconds: try row.decode("average", as: Double?.self))
    }

    /// The schedules whose runs took longest on average over the last `days` (ended runs only), slowest first.
    public func slowestSchedules(lastDays days: Int = 7, limit: Int = 5, actor: Actor) throws -> [ScheduleTiming] {
        try connection.query("""
            SELECT s.id, s.name, count(*)::int AS runs,
                   avg(extract(epoch FROM e.finished_at - e.started_at))::float8 AS average,
                   max(extract(epoch FROM e.finished_at - e.started_at))::float8 AS longest
            FROM executions e JOIN schedules s ON s.id = e.schedule_id
            WHERE e.finished_at > now() - make_interval(days => \(days)) AND e.status IN ('succeeded', 'partial', 'failed')
              AND e.started_at IS NOT NULL AND \(fragment: Visibility.schedule("s", actor))
            GROUP BY s.id, s.name ORDER BY average DESC, s.id LIMIT \(limit)
            """).map {
            ScheduleTiming(id: try $0.decode("id"), name: try $0.decode("name"), runs: try $0.decode("runs"),
                           averageSeconds: try $0.decode("average"), longestSeconds: try $0.decode("longest"))
        }
    }

    /// Schedules whose last run failed or was only partly delivered (the failing tab's index), most recent first, and
    /// how many there are in all.
    public func failingSchedules(limit: Int = 10, actor: Actor) throws -> (schedules: [FailingSchedule], total: Int) {
        let rows = try connection.query("""
            SELECT s.id, s.name, s.last_status, s.last_finished_at, e.error, count(*) OVER ()::int AS total
            FROM schedules s LEFT JOIN executions e ON e.id = s.last_execution_id
            WHERE s.last_status IN ('failed', 'partial') AND \(fragment: Visibility.schedule("s", actor))
            ORDER BY s.last_finished_at DESC NULLS LAST, s.id LIMIT \(limit)
            """)
        let schedules = try rows.map {
            FailingSchedule(id: try $0.decode("id"), name: try $0.decode("name"), status: try $0.decode("last_status"),
                            finishedAt: try $0.decode("last_finished_at", as: Date?.self), error: try $0.decode("error", as: String?.self))
        }
        return (schedules, try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    /// Dead-lettered runs still waiting for someone to look at them (not re-queued since).
    public func deadLettersWaiting(actor: Actor) throws -> Int {
        try connection.query("""
            SELECT count(*)::int AS n FROM executions e
            WHERE e.dead_lettered_at IS NOT NULL AND e.status = 'failed' AND \(fragment: Visibility.execution("e", actor))
            """)[0].decode("n")
    }

    /// Upcoming runs by weekday (0 = Monday) × hour (0–23) in `zone`, over `days` from `now`: each active schedule's
    /// `next_run_at` expanded with its recurrence. Bounded: at most `maxSchedules` schedules (soonest first) and
    /// `maxRuns` runs in all (the soonest schedules get theirs first), so a thousand every-minute schedules cost a bounded,
    /// small amount of work; `truncated` says when a bound cut the count short.
    public func upcomingHeatMap(days: Int = 7, zone: String, now: Date = Date(), actor: Actor,
                                maxSchedules: Int = 1000, maxRuns: Int = 50_000) throws -> UpcomingHeatMap {
        let start = Int64(now.timeIntervalSince1970)
        let end = start + Int64(days) * 86_400
        let rows = try connection.query("""
            SELECT s.recurrence::text AS recurrence, extract(epoch FROM s.next_slot_at)::bigint AS next_slot, s.run_count
            FROM schedules s
            WHERE s.enabled AND s.next_slot_at IS NOT NULL AND s.next_slot_at < to_timestamp(\(Double(end)))
              AND \(fragment: Visibility.schedule("s", actor))
            ORDER BY s.next_slot_at LIMIT \(maxSchedules + 1)
            """)
        var cells = Array(repeating: Array(repeating: 0, count: 24), count: 7)
        var truncated = rows.count > maxSchedules
        let rules = try? ZoneRules.named(zone)
        let decoder = JSONDecoder()
        var budget = maxRuns
        for row in rows.prefix(maxSchedules) {
            guard let recurrence = try? decoder.decode(Recurrence.self, from: Data(try row.decode("recurrence", as: String.self).utf8)),
                  let compiled = try? recurrence.compile() else { continue }
            var runs = try row.decode("run_count", as: Int.self)
            var next: Int64? = try row.decode("next_slot", as: Int64.self)
            while let at = next, at < end {
                guard budget > 0 else { truncated = true; break }
                budget -= 1
                if at >= start {
                    let local = at + Int64(rules?.offset(at: at) ?? 0)
                    let day = Int((local.floorDiv(86_400) + 3).mod(7))
                    cells[day][Int(local.mod(86_400) / 3600)] += 1
                }
                runs += 1
                next = (try? recurrence.nextRun(after: at, runsSoFar: runs, compiled: compiled)) ?? nil
            }
        }
        return UpcomingHeatMap(cells: cells, truncated: truncated)
    }
}

/// How the runs of a period went.
public struct RunHealth: Sendable, Equatable {
    public let hours: Int
    public let ended: Int
    public let succeeded: Int
    /// nil when the period has no ended run.
    public let averageSeconds: Double?
    /// Succeeded out of ended, 0–1; nil when none ended.
    public var successRate: Double? { ended == 0 ? nil : Double(succeeded) / Double(ended) }
}

public struct ScheduleTiming: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let runs: Int
    public let averageSeconds: Double
    public let longestSeconds: Double
}

public struct FailingSchedule: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let status: String
    public let finishedAt: Date?
    public let error: String?
}

/// Runs to come per weekday (`cells[0]` Monday) and hour.
public struct UpcomingHeatMap: Sendable, Equatable {
    public let cells: [[Int]]
    public let truncated: Bool
    public var total: Int { cells.reduce(0) { $0 + $1.reduce(0, +) } }
    public var maximum: Int { cells.map { $0.max() ?? 0 }.max() ?? 0 }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 { self >= 0 ? self / d : (self - d + 1) / d }
    fileprivate func mod(_ d: Int64) -> Int64 { ((self % d) + d) % d }
}
