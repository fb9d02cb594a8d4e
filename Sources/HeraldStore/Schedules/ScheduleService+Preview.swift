import Foundation
import HeraldCore
import Postgres

extension ScheduleService {
    /// What a draft would do, storing nothing: the next `count` runs in the schedule's zone, the actor's zone and UTC
    /// with DST moves flagged, every field error, cron warnings, and conflicts with the actor's other schedules (the
    /// same report to a shared destination within `conflictWindow` seconds).
    public func preview(_ draft: ScheduleDraft, actor: Actor, scheduleID: UUID? = nil, count: Int = 10, now: Date = Date(),
                        conflictWindow: Int64 = 300) -> SchedulePreviewResult {
        var errors: [ValidationError] = []
        let checked = check(draft, actor: actor, now: now, errors: &errors)
        let instant = Int64(now.timeIntervalSince1970)
        let userZone = (try? ZoneRules.named(actor.principal?.timeZone ?? "UTC")) ?? (try! ZoneRules.named("UTC"))
        var runs: [SchedulePreviewResult.Run] = []
        var warnings: [String] = []
        var conflicts: [SchedulePreviewResult.Conflict] = []
        let recurrence = draft.recurrence
        let compiled = checked?.compiled ?? (try? recurrence?.compile()) ?? nil
        if let recurrence, let compiled {
            switch compiled {
            case .cron(let schedule):
                warnings = schedule.warnings
                var cursor = instant
                var soFar = 0
                while runs.count < count, let next = try? recurrence.nextRun(after: cursor, runsSoFar: soFar, compiled: compiled) {
                    let shown = schedule.preview(after: next - 1, count: 1, viewerZone: userZone).first
                    runs.append(.init(at: Date(timeIntervalSince1970: TimeInterval(next)), utc: UTCInstant.format(next),
                                      scheduleLocal: shown?.scheduleLocal ?? "", userLocal: shown?.viewerLocal ?? "", dstNote: shown?.note))
                    cursor = next
                    soFar += 1
                }
                if let reportID = draft.reportID, !draft.destinationIDs.isEmpty {
                    conflicts = (try? findConflicts(schedule, reportID: reportID, destinations: draft.destinationIDs,
                                                    excluding: scheduleID, actor: actor, from: instant, window: conflictWindow)) ?? []
                }
            case .once(let at):
                if at > instant {
                    let zone = (try? ZoneRules.named(recurrence.timeZone)) ?? userZone
                    runs.append(.init(at: Date(timeIntervalSince1970: TimeInterval(at)), utc: UTCInstant.format(at),
                                      scheduleLocal: Self.local(at, zone), userLocal: Self.local(at, userZone), dstNote: nil))
                }
            }
        }
        return SchedulePreviewResult(runs: runs, errors: errors, warnings: warnings, conflicts: conflicts,
                                     description: try? recurrence?.describe(), cron: checked?.cron ?? (try? recurrence?.canonicalCron()))
    }

    func findConflicts(_ schedule: CronSchedule, reportID: UUID, destinations: [UUID], excluding: UUID?, actor: Actor,
                       from: Int64, window: Int64) throws -> [SchedulePreviewResult.Conflict] {
        let rows = try connection.query("""
            SELECT s.id, s.name, s.cron, s.time_zone, to_json(s.destination_ids)::text AS destination_ids FROM schedules s
            WHERE s.report_id = \(reportID) AND s.enabled AND s.cron IS NOT NULL AND s.id <> \(excluding ?? UUID())
              AND s.destination_ids && \(destinations)::uuid[] AND \(fragment: Visibility.owned("s", actor))
            LIMIT 200
            """)
        var names: [String: String] = [:]
        let existing = rows.compactMap { row -> ScheduledDelivery? in
            guard let id = try? row.decode("id", as: UUID.self), let cron = try? row.decode("cron", as: String.self),
                  let zone = try? row.decode("time_zone", as: String.self), let other = try? CronSchedule(cron, timeZone: zone),
                  let ids = try? row.decodeJSON("destination_ids", as: [UUID].self) else { return nil }
            names[id.uuidString] = (try? row.decode("name", as: String.self)) ?? ""
            return ScheduledDelivery(id: id.uuidString, reportID: reportID.uuidString, destinationIDs: Set(ids.map(\.uuidString)), schedule: other)
        }
        let candidate = ScheduledDelivery(id: (excluding ?? UUID()).uuidString, reportID: reportID.uuidString,
                                          destinationIDs: Set(destinations.map(\.uuidString)), schedule: schedule)
        return ScheduleConflicts.find(candidate: candidate, existing: existing, from: from, window: window).compactMap { conflict in
            guard let id = UUID(uuidString: conflict.otherID) else { return nil }
            let name = names[conflict.otherID] ?? ""
            return .init(scheduleID: id, scheduleName: name, run: Date(timeIntervalSince1970: TimeInterval(conflict.candidateRun)),
                         otherRun: Date(timeIntervalSince1970: TimeInterval(conflict.otherRun)),
                         message: "\(name.isEmpty ? "Another schedule" : "“\(name)”") sends the same report to the same destination at \(UTCInstant.format(conflict.otherRun)), within \(window / 60) minutes of this one's run at \(UTCInstant.format(conflict.candidateRun))")
        }
    }

    /// `2026-03-29 03:00 +02:00`, as the engine's preview prints a cron run.
    static func local(_ instant: Int64, _ zone: ZoneRules) -> String {
        let offset = Int(zone.offset(at: instant))
        let text = UTCInstant.format(instant + Int64(offset))
        let magnitude = abs(offset)
        let hours = String(format: "%02d", magnitude / 3600), minutes = String(format: "%02d", magnitude % 3600 / 60)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) \(offset < 0 ? "-" : "+")\(hours):\(minutes)"
    }
}
