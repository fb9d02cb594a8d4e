import Foundation
import HeraldCore
import Postgres

/// A schedule as the operator or the wizard defines it.
public struct NewSchedule: Sendable {
    public var reportID: UUID
    public var name: String
    public var recurrence: Recurrence
    public var misfire: MisfirePolicy
    public var overlap: OverlapPolicy
    public var jitterSeconds: Int
    public var priority: Int
    public var ownerID: UUID?
    public var destinationIDs: [UUID]

    public init(reportID: UUID, name: String = "", recurrence: Recurrence, misfire: MisfirePolicy = .runOnce,
                overlap: OverlapPolicy = .skip, jitterSeconds: Int = 0, priority: Int = 5, ownerID: UUID? = nil,
                destinationIDs: [UUID] = []) {
        self.destinationIDs = destinationIDs
        self.reportID = reportID
        self.name = name
        self.recurrence = recurrence
        self.misfire = misfire
        self.overlap = overlap
        self.jitterSeconds = jitterSeconds
        self.priority = priority
        self.ownerID = ownerID
    }
}

/// SQL for `schedules`.
public struct ScheduleRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Validates the recurrence, computes the first slot after `now` and stores the schedule.
    public func create(_ schedule: NewSchedule, now: Date) throws -> UUID {
        guard (0...9).contains(schedule.priority) else { throw ValidationError(field: "priority", message: "must be from 0 to 9") }
        guard (0...3600).contains(schedule.jitterSeconds) else {
            throw ValidationError(field: "jitter_seconds", message: "must be from 0 to 3600")
        }
        let cron = schedule.recurrence.kind == .once ? nil : try schedule.recurrence.canonicalCron()
        guard try connection.query("SELECT 1 FROM reports WHERE id = \(schedule.reportID)").count == 1 else {
            throw ValidationError(field: "report", message: "no report has the id \(schedule.reportID.uuidString.lowercased())")
        }
        let id = UUID()
        let slot = try schedule.recurrence.nextRun(after: Int64(now.timeIntervalSince1970), runsSoFar: 0)
        let slotDate = slot.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        let due = slotDate.map { $0.addingTimeInterval(TimeInterval(Jitter.seconds(scheduleID: id.uuidString, maximum: schedule.jitterSeconds))) }
        try connection.execute("""
            INSERT INTO schedules (id, report_id, name, recurrence, cron, time_zone, misfire_policy, overlap_policy,
                                   jitter_seconds, priority, owner_id, destination_ids, next_slot_at, next_run_at)
            VALUES (\(id), \(schedule.reportID), \(schedule.name), \(PostgresJSON(schedule.recurrence))::jsonb, \(cron),
                    \(schedule.recurrence.timeZone), \(schedule.misfire.rawValue), \(schedule.overlap.rawValue),
                    \(schedule.jitterSeconds), \(schedule.priority), \(schedule.ownerID), \(schedule.destinationIDs)::uuid[],
                    \(slotDate), \(due))
            """)
        try connection.notify(Self.changeChannel, payload: id.uuidString)
        return id
    }

    /// Pauses or resumes; resuming recomputes the next slot from `now`, so a paused schedule does not catch up, and
    /// clears a broken mark (resuming a schedule whose recurrence still does not compile throws instead). The row is
    /// locked in the same transaction as the update, so a firing scheduler cannot move it in between.
    public func setEnabled(_ id: UUID, _ enabled: Bool, now: Date) throws {
        try connection.transaction {
            let rows = try connection.query("SELECT recurrence, run_count, jitter_seconds FROM schedules WHERE id = \(id) FOR UPDATE")
            guard let row = rows.first else { throw ValidationError(field: "schedule", message: "no schedule has the id \(id.uuidString.lowercased())") }
            var slot: Date?
            var due: Date?
            if enabled {
                let recurrence = try row.decodeJSON("recurrence", as: Recurrence.self)
                slot = try recurrence.nextRun(after: Int64(now.timeIntervalSince1970), runsSoFar: try row.decode("run_count")).map { Date(timeIntervalSince1970: TimeInterval($0)) }
                due = slot?.addingTimeInterval(TimeInterval(Jitter.seconds(scheduleID: id.uuidString, maximum: try row.decode("jitter_seconds"))))
            }
            try connection.execute("""
                UPDATE schedules
                SET enabled = \(enabled), next_slot_at = \(slot), next_run_at = \(due), updated_at = now(),
                    broken_reason = CASE WHEN \(enabled) THEN NULL ELSE broken_reason END,
                    broken_at = CASE WHEN \(enabled) THEN NULL ELSE broken_at END
                WHERE id = \(id)
                """)
            // Delivered at commit, so a woken scheduler reads the new row.
            try connection.notify(Self.changeChannel, payload: id.uuidString)
        }
    }

    public func delete(_ id: UUID) throws {
        guard try connection.execute("DELETE FROM schedules WHERE id = \(id)") == 1 else {
            throw ValidationError(field: "schedule", message: "no schedule has the id \(id.uuidString.lowercased())")
        }
        try connection.notify(Self.changeChannel, payload: id.uuidString)
    }

    /// The earliest time a schedule is due, if any is enabled.
    public func earliestDue() throws -> Date? {
        try connection.query("SELECT min(next_run_at) AS due FROM schedules WHERE enabled").first?.decode("due", as: Date?.self)
    }

    /// The channel `create` notifies, so sleeping schedulers re-read the earliest due time.
    public static let changeChannel = "herald_schedules"
}
