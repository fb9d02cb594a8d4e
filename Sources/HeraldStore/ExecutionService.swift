import Foundation
import HeraldCore
import Postgres

/// What people ask of executions, from the CLI, pages and the API alike: run a schedule now, test it, re-send what
/// failed, requeue a dead letter, pin a run against retention. Each only changes rows and wakes the schedulers (`NOTIFY`); a scheduler's
/// reconciler puts the execution on the stream, so these work while Redis is down too.
/// Who may: running, testing and re-sending need the creator role and a schedule the actor owns (admins: any);
/// requeueing a dead letter is for admins. A schedule or execution the actor may not see is `NotFound`.
public struct ExecutionService {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A run of the schedule's report to its destinations, outside its recurrence.
    public func runNow(scheduleID: UUID, actor: Actor) throws -> UUID {
        try checkMayRun(scheduleID: scheduleID, actor: actor)
        return try insert(scheduleID: scheduleID, trigger: .manual, destinations: nil, requestedBy: actor.userID)
    }

    /// A run delivered only to `destinationID` (a test folder or, with the email channel, the requesting user), so
    /// trying a schedule never sends to its real recipients.
    public func testRun(scheduleID: UUID, destinationID: UUID, actor: Actor) throws -> UUID {
        try checkMayRun(scheduleID: scheduleID, actor: actor)
        guard try connection.query("SELECT 1 FROM destinations d WHERE id = \(destinationID) AND (\(fragment: Visibility.owned("d", actor)) OR d.owner_id IS NULL)").count == 1 else {
            throw ValidationError(field: "destination_id", message: "is not a destination you may use")
        }
        return try insert(scheduleID: scheduleID, trigger: .test, destinations: [destinationID], requestedBy: actor.userID)
    }

    /// Sends the failed and dead deliveries of a finished execution again, with fresh attempts; the delivered ones
    /// are left alone, and the stored rendering is re-used (the report is not queried again).
    public func resendFailed(executionID: UUID, actor: Actor) throws {
        try checkMayChange(executionID: executionID, actor: actor)
        try connection.transaction {
            let resent = try connection.execute("""
                UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = now()
                WHERE execution_id = \(executionID) AND status IN ('failed', 'dead') AND destination_id IS NOT NULL
                """)
            guard resent > 0 else {
                throw ValidationError(field: "execution", message: "execution \(executionID.uuidString.lowercased()) has no failed delivery to re-send")
            }
            try requeue(executionID, from: ["partial", "failed"])
        }
    }

    /// Runs a dead-lettered execution (one that crashed its workers, or whose deliveries all died) again.
    public func requeueDeadLetter(executionID: UUID, actor: Actor) throws {
        guard actor.isAdmin else {
            try checkMayChange(executionID: executionID, actor: actor)
            throw Forbidden("Only an admin may requeue a dead letter.")
        }
        try connection.transaction {
            try connection.execute("""
                UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = now()
                WHERE execution_id = \(executionID) AND status = 'dead' AND destination_id IS NOT NULL
                """)
            try requeue(executionID, from: ["failed", "partial"], deadOnly: true)
        }
    }

    /// Pins a run so retention keeps it (and its files) whatever its age, or unpins it so it expires with the others.
    /// Who may: as for a re-send. A run the cleaner removed meanwhile is `NotFound`.
    public func setPinned(_ pinned: Bool, executionID: UUID, actor: Actor) throws {
        try checkMayChange(executionID: executionID, actor: actor)
        guard try connection.execute("UPDATE executions SET pinned = \(pinned) WHERE id = \(executionID)") == 1 else {
            throw NotFound("execution")
        }
    }

    /// Whether the actor may re-send or otherwise change the execution (its schedule's owner, or an admin); pages ask
    /// before showing the buttons. `NotFound` when the actor may not see it.
    public func mayChange(executionID: UUID, actor: Actor) throws -> Bool {
        do { try checkMayChange(executionID: executionID, actor: actor) } catch is Forbidden { return false }
        return true
    }

    /// The schedule exists and the actor may see it (else `NotFound`), and may run it: a creator who owns it, or an admin.
    private func checkMayRun(scheduleID: UUID, actor: Actor) throws {
        guard let row = try connection.query("""
            SELECT \(fragment: Visibility.owned("s", actor)) AS owned FROM schedules s WHERE s.id = \(scheduleID) AND \(fragment: Visibility.schedule("s", actor))
            """).first else { throw NotFound("schedule") }
        guard actor.has(.creator), try row.decode("owned", as: Bool.self) else { throw Forbidden("Only the schedule's owner or an admin may do this.") }
    }

    private func checkMayChange(executionID: UUID, actor: Actor) throws {
        guard let row = try connection.query("""
            SELECT coalesce((SELECT \(fragment: Visibility.owned("s", actor)) FROM schedules s WHERE s.id = e.schedule_id),
                            (SELECT \(fragment: Visibility.owned("r", actor)) FROM reports r WHERE r.id = e.report_id)) AS owned
            FROM executions e WHERE e.id = \(executionID) AND \(fragment: Visibility.execution("e", actor))
            """).first else { throw NotFound("execution") }
        guard actor.has(.creator), try row.decode("owned", as: Bool?.self) == true else {
            throw Forbidden("Only the schedule's owner or an admin may do this.")
        }
    }

    private func requeue(_ id: UUID, from statuses: [String], deadOnly: Bool = false) throws {
        let updated = try connection.execute("""
            UPDATE executions
            SET status = 'queued', step = NULL, attempts = 0, crashes = 0, not_before = now(), enqueued_at = NULL,
                finished_at = NULL, error = NULL, dead_lettered_at = NULL
            WHERE id = \(id) AND status = ANY(\(statuses)::text[]) AND (NOT \(deadOnly) OR dead_lettered_at IS NOT NULL)
            """)
        guard updated == 1 else {
            throw ValidationError(field: "execution", message: deadOnly
                ? "execution \(id.uuidString.lowercased()) is not a dead letter"
                : "execution \(id.uuidString.lowercased()) has not finished as partial or failed")
        }
        try connection.notify(ScheduleRepository.changeChannel, payload: "execution")
    }

    private func insert(scheduleID: UUID, trigger: ExecutionTrigger, destinations: [UUID]?, requestedBy: UUID?) throws -> UUID {
        guard let id = try ExecutionRepository(connection: connection).insertRun(
            scheduleID: scheduleID, trigger: trigger, destinations: destinations, requestedBy: requestedBy) else {
            throw ValidationError(field: "schedule", message: "no schedule has the id \(scheduleID.uuidString.lowercased())")
        }
        try connection.notify(ScheduleRepository.changeChannel, payload: "execution")
        return id
    }

    /// A manual run that the caller executes itself (`herald run-once`): marked enqueued, so no scheduler takes it.
    public func runHere(scheduleID: UUID, actor: Actor) throws -> UUID {
        try checkMayRun(scheduleID: scheduleID, actor: actor)
        let requestedBy = actor.userID
        guard let id = try ExecutionRepository(connection: connection).insertRun(
            scheduleID: scheduleID, trigger: .manual, requestedBy: requestedBy, enqueued: true) else {
            throw ValidationError(field: "schedule", message: "no schedule has the id \(scheduleID.uuidString.lowercased())")
        }
        return id
    }
}
