import Foundation
import HeraldCore
import Postgres

/// Everything people do to schedules, from a form, the API or `herald schedule ...`: one code path per action, so
/// the rules (validation, the minimum interval, never-fires, the per-user limit, whose report and destinations may
/// be used, who may change what) are checked the same way whoever asks.
/// Who may: a viewer sees what is shared with them and changes nothing (`Forbidden`); a creator creates schedules
/// and changes their own; an admin (and the command line) everything. What the actor may not see is `NotFound`.
public struct ScheduleService {
    let connection: PostgresConnection
    let limits: ScheduleLimits

    public init(connection: PostgresConnection, limits: ScheduleLimits) {
        self.connection = connection
        self.limits = limits
    }

    /// Stores a new schedule owned by the actor (or by `ownerID`, which only an admin or the command line may name).
    public func create(_ draft: ScheduleDraft, actor: Actor, ownerID: UUID? = nil, now: Date = Date()) throws -> ScheduleRecord {
        guard actor.has(.creator) else { throw Forbidden("Viewers cannot create schedules.") }
        let owner = actor.isAdmin ? (ownerID ?? actor.userID) : actor.userID
        let id = UUID()
        try atomically(connection) {
            let checked = try validate(draft, actor: actor, now: now)
            try checkLimit(owner: owner, actor: actor)
            let next = checked.paused ? nil : try nextRun(checked.recurrence, id: id, runsSoFar: 0, jitter: checked.jitterSeconds, now: now)
            try connection.execute("""
                INSERT INTO schedules (id, report_id, name, recurrence, cron, time_zone, max_runs, misfire_policy, overlap_policy,
                                       jitter_seconds, priority, owner_id, destination_ids, parameters, formats, filename_pattern,
                                       naming, enabled, pause_note, delivery_condition, next_slot_at, next_run_at, export_options,
                                       email_subject, email_body_md, distribution_template_id, retention_days,
                                       pause_after_failures, deadline_minutes,
                                       alert_email, alert_in_app, alert_failures, alert_every, alert_recovery)
                VALUES (\(id), \(checked.reportID), \(checked.name), \(PostgresJSON(checked.recurrence))::jsonb, \(checked.cron),
                        \(checked.recurrence.timeZone), \(checked.recurrence.maxRuns), \(checked.misfire.rawValue),
                        \(checked.overlap.rawValue), \(checked.jitterSeconds), \(checked.priority), \(owner),
                        \(checked.destinationIDs)::uuid[], \(PostgresJSON(checked.parameters))::jsonb, \(checked.formats)::text[],
                        \(checked.filenamePattern), \(checked.naming), \(!checked.paused), \(checked.pauseNote),
                        \(PostgresJSON(checked.deliveryCondition))::jsonb, \(next?.slot), \(next?.due), \(PostgresJSON(checked.exportOptions))::jsonb,
                        \(checked.emailSubject), \(checked.emailBodyMd), \(checked.templateID), \(checked.retentionDays)::int,
                        \(checked.pauseAfterFailures)::int, \(checked.deadlineMinutes)::int,
                        \(checked.alerts.email)::boolean, \(checked.alerts.inApp)::boolean, \(checked.alerts.failures)::text,
                        \(checked.alerts.every)::int, \(checked.alerts.recovery)::boolean)
                """)
            if let shares = draft.sharedWith { try replaceShares(id, with: shares, owner: owner) }
            try audit(actor, "schedule.create", id, ["after": Self.json(checked.asDraft(sharedWith: draft.sharedWith))])
            try connection.notify(ScheduleRepository.changeChannel, payload: id.uuidString)
        }
        return try get(id, actor: actor)
    }

    /// Stores a new schedule delivering into a folder destination made for it (`herald schedule add --folder`), named
    /// after the folder and naming files as the schedule does, in one transaction: a refused schedule leaves no
    /// destination behind.
    public func create(_ draft: ScheduleDraft, intoNewFolder folder: String, deliveryRoot: String, actor: Actor,
                       ownerID: UUID? = nil, now: Date = Date()) throws -> ScheduleRecord {
        try connection.transaction {
            var draft = draft
            let destination = try DestinationService(connection: connection, deliveryRoot: deliveryRoot).create(
                DestinationInput(name: folder, kind: "folder", path: folder), actor: actor, ownerID: ownerID,
                filenamePattern: draft.filenamePattern, naming: draft.naming)
            draft.destinationIDs = [destination.id]
            return try create(draft, actor: actor, ownerID: ownerID, now: now)
        }
    }

    /// Replaces the whole definition (the same checks as `create`); the next run is recomputed from now, keeping the
    /// run count, so an edited schedule does not catch up.
    public func update(_ id: UUID, _ draft: ScheduleDraft, actor: Actor, now: Date = Date()) throws -> ScheduleRecord {
        try connection.transaction {
            let before = try lockForChange(id, actor: actor)
            let checked = try validate(draft, actor: actor, now: now, scheduleID: id)
            let runCount = try connection.query("SELECT run_count FROM schedules WHERE id = \(id)")[0].decode("run_count", as: Int.self)
            let next = checked.paused ? nil : try nextRun(checked.recurrence, id: id, runsSoFar: runCount, jitter: checked.jitterSeconds, now: now)
            try connection.execute("""
                UPDATE schedules
                SET report_id = \(checked.reportID), name = \(checked.name), recurrence = \(PostgresJSON(checked.recurrence))::jsonb,
                    cron = \(checked.cron), time_zone = \(checked.recurrence.timeZone), max_runs = \(checked.recurrence.maxRuns),
                    misfire_policy = \(checked.misfire.rawValue), overlap_policy = \(checked.overlap.rawValue),
                    jitter_seconds = \(checked.jitterSeconds), priority = \(checked.priority),
                    destination_ids = \(checked.destinationIDs)::uuid[], parameters = \(PostgresJSON(checked.parameters))::jsonb,
                    formats = \(checked.formats)::text[], export_options = \(PostgresJSON(checked.exportOptions))::jsonb, filename_pattern = \(checked.filenamePattern), naming = \(checked.naming),
                    enabled = \(!checked.paused), pause_note = \(checked.pauseNote),
                    resumed_at = CASE WHEN NOT enabled AND \(!checked.paused) THEN now() ELSE resumed_at END,
                    delivery_condition = \(PostgresJSON(checked.deliveryCondition))::jsonb, next_slot_at = \(next?.slot),
                    next_run_at = \(next?.due), email_subject = \(checked.emailSubject), email_body_md = \(checked.emailBodyMd),
                    distribution_template_id = \(checked.templateID), retention_days = \(checked.retentionDays)::int,
                    pause_after_failures = \(checked.pauseAfterFailures)::int, deadline_minutes = \(checked.deadlineMinutes)::int,
                    \(fragment: AlertSettingsRepository.assignments(checked.alerts)),
                    paused_automatically = paused_automatically AND \(checked.paused), broken_reason = NULL, broken_at = NULL, updated_at = now()
                WHERE id = \(id)
                """)
            if let shares = draft.sharedWith { try replaceShares(id, with: shares, owner: before.ownerID) }
            try audit(actor, "schedule.update", id, ["before": Self.json(before.draft),
                                                     "after": Self.json(checked.asDraft(sharedWith: draft.sharedWith ?? before.sharedWith))])
            try connection.notify(ScheduleRepository.changeChannel, payload: id.uuidString)
        }
        return try get(id, actor: actor)
    }

    public func delete(_ id: UUID, actor: Actor) throws {
        try connection.transaction {
            let before = try lockForChange(id, actor: actor)
            try connection.execute("DELETE FROM schedules WHERE id = \(id)")
            try audit(actor, "schedule.delete", id, ["before": Self.json(before.draft)])
            try connection.notify(ScheduleRepository.changeChannel, payload: id.uuidString)
        }
    }

    /// What pausing sets, by hand or automatically (`ScheduleAutoPause`): no next slot, and the note saying why.
    static func pausing(note: PostgresQuery, automatic: Bool = false) -> PostgresQuery {
        "enabled = false, pause_note = \(fragment: note), paused_automatically = \(automatic), next_slot_at = NULL, next_run_at = NULL, updated_at = now()"
    }

    /// Stops firing; `note` says why, on the schedule's page.
    public func pause(_ id: UUID, note: String = "", actor: Actor) throws -> ScheduleRecord {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 500 else { throw ValidationError(field: "note", message: "must be at most 500 characters") }
        try connection.transaction {
            _ = try lockForChange(id, actor: actor)
            try connection.execute("UPDATE schedules SET \(fragment: Self.pausing(note: "\(note)")) WHERE id = \(id)")
            try audit(actor, "schedule.pause", id, ["note": note])
            try connection.notify(ScheduleRepository.changeChannel, payload: id.uuidString)
        }
        return try get(id, actor: actor)
    }

    /// Fires again from the next slot after now (no catch-up), clearing the note and a broken mark; an auto-pause's
    /// count of failures starts again (`resumed_at`).
    public func resume(_ id: UUID, actor: Actor, now: Date = Date()) throws -> ScheduleRecord {
        try connection.transaction {
            let before = try lockForChange(id, actor: actor)
            let runCount = try connection.query("SELECT run_count FROM schedules WHERE id = \(id)")[0].decode("run_count", as: Int.self)
            let next = try nextRun(before.recurrence, id: id, runsSoFar: runCount, jitter: before.jitterSeconds, now: now)
            try connection.execute("""
                UPDATE schedules SET enabled = true, pause_note = '', next_slot_at = \(next?.slot), next_run_at = \(next?.due),
                    resumed_at = now(), paused_automatically = false, broken_reason = NULL, broken_at = NULL, updated_at = now()
                WHERE id = \(id)
                """)
            try audit(actor, "schedule.resume", id, [:])
            try connection.notify(ScheduleRepository.changeChannel, payload: id.uuidString)
        }
        return try get(id, actor: actor)
    }

    /// Shares the schedule with the users with these e-mails (the owner or an admin may).
    public func share(_ id: UUID, emails: [String], actor: Actor) throws {
        try connection.transaction {
            let before = try lockForChange(id, actor: actor)
            var ids: [UUID] = []
            for email in emails.map({ $0.trimmingCharacters(in: .whitespaces) }).filter({ !$0.isEmpty }) {
                guard let address = try? EmailAddress(email),
                      let user = try UserRepository(connection: connection).find(email: address) else {
                    throw ValidationError(field: "email", message: "no user has the e-mail \(email.prefix(200))")
                }
                ids.append(user.id)
            }
            guard !ids.isEmpty else { throw ValidationError(field: "email", message: "is required") }
            try replaceShares(id, with: Array(Set(before.sharedWith + ids)), owner: before.ownerID)
            try audit(actor, "schedule.share", id, ["added": ids.map { $0.uuidString.lowercased() }.joined(separator: ",")])
        }
    }

    public func unshare(_ id: UUID, userID: UUID, actor: Actor) throws {
        try connection.transaction {
            _ = try lockForChange(id, actor: actor)
            try connection.execute("DELETE FROM schedule_shares WHERE schedule_id = \(id) AND user_id = \(userID)")
            try audit(actor, "schedule.unshare", id, ["removed": userID.uuidString.lowercased()])
        }
    }

    /// The users a schedule is shared with (anyone who may see the schedule may see who else does).
    public func shares(_ id: UUID, actor: Actor) throws -> [ScheduleShare] {
        _ = try get(id, actor: actor)
        return try connection.query("""
            SELECT u.id, u.email, u.display_name, u.role FROM schedule_shares sh JOIN users u ON u.id = sh.user_id
            WHERE sh.schedule_id = \(id) ORDER BY lower(u.email)
            """).map {
            ScheduleShare(userID: try $0.decode("id"), email: try $0.decode("email"), displayName: try $0.decode("display_name"),
                          role: try $0.decode("role"))
        }
    }

    /// Whether the actor may change the schedule (for pages, to show or hide the buttons); the service checks again.
    public func mayChange(_ record: ScheduleRecord, actor: Actor) -> Bool {
        actor.isAdmin || (actor.has(.creator) && record.ownerID != nil && record.ownerID == actor.userID)
    }

    // MARK: - rules

    /// The schedule exists, the actor sees it (else `NotFound`), and may change it (else `Forbidden`); the row is
    /// locked until the transaction ends.
    func lockForChange(_ id: UUID, actor: Actor) throws -> ScheduleRecord {
        guard try connection.query("SELECT id FROM schedules s WHERE s.id = \(id) AND \(fragment: Visibility.schedule("s", actor)) FOR UPDATE").count == 1 else {
            throw NotFound("schedule")
        }
        let record = try get(id, actor: actor)
        guard mayChange(record, actor: actor) else { throw Forbidden("Only the schedule's owner or an admin may change it.") }
        return record
    }

    /// A creator may own at most `maxSchedulesPerUser` schedules; admins (and schedules without an owner) are exempt.
    func checkLimit(owner: UUID?, actor: Actor) throws {
        guard !actor.isAdmin, let owner else { return }
        let count = try connection.query("SELECT count(*)::int AS n FROM schedules WHERE owner_id = \(owner)")[0].decode("n", as: Int.self)
        if count >= limits.maxSchedulesPerUser {
            throw ValidationError(field: "limit", message: "you already have \(count) schedules, the most allowed per user (\(limits.maxSchedulesPerUser)); delete one first")
        }
    }

    func replaceShares(_ id: UUID, with users: [UUID], owner: UUID?) throws {
        let others = Array(Set(users)).filter { $0 != owner }
        if !others.isEmpty {
            let known = try connection.query("SELECT count(*)::int AS n FROM users WHERE id = ANY(\(others)::uuid[]) AND disabled_at IS NULL")[0]
                .decode("n", as: Int.self)
            guard known == others.count else { throw ValidationError(field: "shared_with", message: "names a user who does not exist") }
        }
        try connection.execute("DELETE FROM schedule_shares WHERE schedule_id = \(id) AND NOT (user_id = ANY(\(others)::uuid[]))")
        try connection.execute("""
            INSERT INTO schedule_shares (schedule_id, user_id) SELECT \(id), unnest(\(others)::uuid[]) ON CONFLICT DO NOTHING
            """)
    }

    func nextRun(_ recurrence: Recurrence, id: UUID, runsSoFar: Int, jitter: Int, now: Date) throws -> (slot: Date, due: Date)? {
        guard let slot = try recurrence.nextRun(after: Int64(now.timeIntervalSince1970), runsSoFar: runsSoFar) else { return nil }
        let slotDate = Date(timeIntervalSince1970: TimeInterval(slot))
        return (slotDate, slotDate.addingTimeInterval(TimeInterval(Jitter.seconds(scheduleID: id.uuidString, maximum: jitter))))
    }

    func audit(_ actor: Actor, _ action: String, _ id: UUID, _ details: [String: String]) throws {
        try AuditLog(connection: connection).record(actorID: actor.userID, actorLabel: actor.label, action: action,
                                                    subjectType: "schedule", subjectID: id.uuidString.lowercased(), details: details)
    }

    static func json(_ draft: ScheduleDraft) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(draft)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
