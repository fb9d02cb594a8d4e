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
