import Foundation
import Postgres

/// What a worker learns when it takes the lease on an execution.
public struct ClaimedExecution: Sendable {
    public let id: UUID
    public let scheduleID: UUID?
    public let scheduledFor: Date
    public let attempts: Int
    public let crashes: Int
    public let reportName: String
    public let sql: String
    public let dataSourceID: UUID
    public let statementTimeoutMs: Int
    public let maxConcurrency: Int
    public let destinationIDs: [UUID]
    public let timeZone: String
    public let overlapPolicy: String?
    public let ownerID: UUID?
}

/// Why a worker could not claim an execution.
public enum ClaimRefusal: Sendable, Equatable {
    /// Another worker holds a live lease: leave the stream entry pending, so it is reclaimed if that worker dies.
    case leasedElsewhere
    /// Finished, gone, or waiting for `not_before`: the stream entry is not needed.
    case notRunnable
}

public enum ClaimResult: Sendable {
    case claimed(ClaimedExecution)
    case refused(ClaimRefusal)
}

/// One delivery a worker should attempt now.
public struct DueDelivery: Sendable {
    public let id: UUID
    public let destinationID: UUID?
    public let kind: String
    public let settings: String
    public let attempts: Int
}

/// The SQL of the execution lease: claim, renew, give back, finish. Every write by a worker is guarded by
/// `lease_owner`, so a worker whose lease was taken over (it hung past the lease) cannot overwrite the new owner.
public struct ExecutionLeaseRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Takes the lease on a queued execution, or on a running one whose lease expired (its worker died: `crashes` + 1).
    public func claim(_ id: UUID, owner: String, leaseSeconds: Double) throws -> ClaimResult {
        let rows = try connection.query("""
            UPDATE executions e
            SET status = 'running', step = 'query', attempts = e.attempts + 1,
                crashes = e.crashes + CASE WHEN e.status = 'running' THEN 1 ELSE 0 END,
                started_at = coalesce(e.started_at, clock_timestamp()), not_before = NULL,
                lease_owner = \(owner), lease_expires_at = clock_timestamp() + make_interval(secs => \(leaseSeconds))
            FROM reports r JOIN data_sources d ON d.id = r.data_source_id
            WHERE e.id = \(id) AND r.id = e.report_id
              AND ((e.status = 'queued' AND (e.not_before IS NULL OR e.not_before <= clock_timestamp()))
                   OR (e.status = 'running' AND e.lease_expires_at < clock_timestamp()))
            RETURNING e.id, e.schedule_id, e.scheduled_for, e.attempts, e.crashes, r.name, r.sql, r.data_source_id,
                      d.statement_timeout_ms, d.max_concurrency,
                      coalesce(e.destination_ids, (SELECT s.destination_ids FROM schedules s WHERE s.id = e.schedule_id), '{}')::text AS destinations,
                      coalesce((SELECT s.time_zone FROM schedules s WHERE s.id = e.schedule_id), 'UTC') AS time_zone,
                      (SELECT s.overlap_policy FROM schedules s WHERE s.id = e.schedule_id) AS overlap_policy,
                      coalesce((SELECT s.owner_id FROM schedules s WHERE s.id = e.schedule_id), r.owner_id) AS owner_id
            """)
        guard let row = rows.first else {
            let leased = try connection.query("""
                SELECT 1 FROM executions WHERE id = \(id) AND status = 'running' AND lease_expires_at >= clock_timestamp()
                """).count == 1
            return .refused(leased ? .leasedElsewhere : .notRunnable)
        }
        return .claimed(ClaimedExecution(
            id: try row.decode("id"), scheduleID: try row.decode("schedule_id", as: UUID?.self),
            scheduledFor: try row.decode("scheduled_for"), attempts: try row.decode("attempts"), crashes: try row.decode("crashes"),
            reportName: try row.decode("name"), sql: try row.decode("sql"), dataSourceID: try row.decode("data_source_id"),
            statementTimeoutMs: try row.decode("statement_timeout_ms"), maxConcurrency: try row.decode("max_concurrency"),
            destinationIDs: Self.uuids(try row.decode("destinations")), timeZone: try row.decode("time_zone"),
            overlapPolicy: try row.decode("overlap_policy", as: String?.self), ownerID: try row.decode("owner_id", as: UUID?.self)))
    }

    /// Extends every lease `owner` holds; the owner's heartbeat calls this well inside the lease.
    public func renew(owner: String, leaseSeconds: Double) throws {
        try connection.execute("""
            UPDATE executions SET lease_expires_at = clock_timestamp() + make_interval(secs => \(leaseSeconds))
            WHERE status = 'running' AND lease_owner = \(owner)
            """)
    }

    /// Gives a claimed execution back to the queue to start at `notBefore` (a data source at its limit, the previous
    /// run of a `buffer_one` schedule still going, or a shutdown). The attempt it took is returned too.
    public func giveBack(_ id: UUID, owner: String, notBefore: Date?, countAttempt: Bool = false) throws {
        try connection.execute("""
            UPDATE executions
            SET status = 'queued', step = NULL, attempts = attempts - \(countAttempt ? 0 : 1), not_before = \(notBefore),
                enqueued_at = NULL, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
            """)
        try connection.notify(ScheduleRepository.changeChannel, payload: "execution")
    }

    /// Another execution of the same schedule is running now.
    public func otherRunRunning(scheduleID: UUID, besides id: UUID) throws -> Bool {
        try connection.query("""
            SELECT 1 FROM executions WHERE schedule_id = \(scheduleID) AND status = 'running' AND id <> \(id) LIMIT 1
            """).count == 1
    }

    /// Marks the step the execution is in; false when the lease was lost.
    @discardableResult
    public func enterStep(_ id: UUID, owner: String, step: String) throws -> Bool {
        try connection.execute("UPDATE executions SET step = \(step) WHERE id = \(id) AND lease_owner = \(owner) AND status = 'running'") == 1
    }

    /// The stored rendering of an earlier attempt (a retry re-delivers it instead of querying again).
    public func artifact(execution: UUID, format: String) throws -> (fileName: String, storagePath: String)? {
        guard let row = try connection.query("""
            SELECT file_name, storage_path FROM artifacts WHERE execution_id = \(execution) AND format = \(format)
            ORDER BY created_at DESC LIMIT 1
            """).first else { return nil }
        return (try row.decode("file_name"), try row.decode("storage_path"))
    }

    public func recordArtifact(execution: UUID, format: String, fileName: String, storagePath: String, byteCount: Int, sha256: [UInt8]) throws {
        try connection.execute("""
            INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(execution), \(format), \(fileName), \(storagePath), \(byteCount), \(sha256))
            """)
    }

    /// Creates the delivery rows of an execution (once; retries find them) and returns those due now: pending, or
    /// failed with their backoff over. Succeeded and dead ones are never sent again by a retry.
    public func dueDeliveries(execution: UUID, destinations: [UUID]) throws -> [DueDelivery] {
        try connection.execute("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key)
            SELECT \(execution), d.id, d.kind, \(execution)::text || ':' || d.id::text || ':'
            FROM destinations d WHERE d.id = ANY(\(destinations)::uuid[])
            ON CONFLICT DO NOTHING
            """)
        // A destination deleted since the schedule was saved still gets a row, so the run says what happened to it.
        try connection.execute("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status, last_error)
            SELECT \(execution), NULL, 'unknown', \(execution)::text || ':' || missing::text || ':', 'dead',
                   'the destination ' || missing::text || ' no longer exists'
            FROM unnest(\(destinations)::uuid[]) missing
            WHERE NOT EXISTS (SELECT 1 FROM destinations d WHERE d.id = missing)
            ON CONFLICT DO NOTHING
            """)
        return try connection.query("""
            SELECT l.id, l.destination_id, coalesce(d.kind, l.channel) AS kind, coalesce(d.settings, '{}')::text AS settings, l.attempts
            FROM deliveries l LEFT JOIN destinations d ON d.id = l.destination_id
            WHERE l.execution_id = \(execution) AND l.status IN ('pending', 'failed')
              AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= clock_timestamp())
            ORDER BY l.created_at
            """).map {
            DueDelivery(id: try $0.decode("id"), destinationID: try $0.decode("destination_id", as: UUID?.self),
                        kind: try $0.decode("kind"), settings: try $0.decode("settings"), attempts: try $0.decode("attempts"))
        }
    }

    public func deliverySucceeded(_ id: UUID, detail: String) throws {
        try connection.execute("""
            UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1, delivered_at = clock_timestamp(),
                   next_attempt_at = NULL, last_error = NULL, detail = \(detail), updated_at = clock_timestamp()
            WHERE id = \(id)
            """)
    }

    /// A failed attempt: retried at `retryAt`, or dead when it was the last attempt (`retryAt` nil).
    public func deliveryFailed(_ id: UUID, error: String, retryAt: Date?) throws {
        try connection.execute("""
            UPDATE deliveries SET status = \(retryAt == nil ? "dead" : "failed"), attempts = attempts + 1,
                   next_attempt_at = \(retryAt), last_error = \(error), updated_at = clock_timestamp()
            WHERE id = \(id)
            """)
    }

    /// Not attempted (its host's circuit breaker is open): no attempt is used up; it waits until `until`.
    public func deliveryPostponed(_ id: UUID, reason: String, until: Date) throws {
        try connection.execute("""
            UPDATE deliveries SET next_attempt_at = \(until), last_error = \(reason), updated_at = clock_timestamp() WHERE id = \(id)
            """)
    }

    /// Counts of an execution's deliveries by status, the earliest pending retry, and the first final error.
    public func deliveryState(execution: UUID) throws -> (total: Int, succeeded: Int, waiting: Int, nextAttempt: Date?, firstError: String?) {
        let row = try connection.query("""
            SELECT count(*)::int AS total,
                   count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                   count(*) FILTER (WHERE status IN ('pending', 'failed'))::int AS waiting,
                   min(next_attempt_at) FILTER (WHERE status IN ('pending', 'failed')) AS next_attempt,
                   (array_agg(last_error ORDER BY created_at) FILTER (WHERE status = 'dead'))[1] AS first_error
            FROM deliveries WHERE execution_id = \(execution)
            """)[0]
        return (try row.decode("total"), try row.decode("succeeded"), try row.decode("waiting"),
                try row.decode("next_attempt", as: Date?.self), try row.decode("first_error", as: String?.self))
    }

    /// Ends the run: the status, row count, step timings, error, and for a failure the owner's notification. False
    /// when the lease was lost (another worker owns the execution now).
    @discardableResult
    public func finish(_ id: UUID, owner: String, status: String, rowCount: Int?, error: String?, timings: [String: Double],
                       deadLetter: Bool = false, notify ownerID: UUID?, reportName: String) throws -> Bool {
        try connection.transaction {
            let updated = try connection.execute("""
                UPDATE executions
                SET status = \(status), step = NULL, finished_at = clock_timestamp(), row_count = coalesce(\(rowCount), row_count),
                    error = \(error), step_timings = step_timings || \(PostgresJSON(timings))::jsonb,
                    lease_owner = NULL, lease_expires_at = NULL,
                    dead_lettered_at = CASE WHEN \(deadLetter) THEN clock_timestamp() END
                WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
                """)
            guard updated == 1 else { return false }
            if status == "failed" || status == "partial", let ownerID {
                try connection.execute("""
                    INSERT INTO notifications (user_id, kind, title, body, execution_id)
                    VALUES (\(ownerID), \("execution." + status),
                            \(status == "failed" ? "“\(reportName)” failed" : "“\(reportName)” was only partly delivered"),
                            \(error ?? ""), \(id))
                    """)
            }
            return true
        }
    }

    /// Puts the execution back in the queue until its earliest delivery retry.
    public func waitForRetry(_ id: UUID, owner: String, until: Date, rowCount: Int?, timings: [String: Double]) throws {
        try connection.execute("""
            UPDATE executions
            SET status = 'queued', step = 'retry', not_before = \(until), enqueued_at = NULL, lease_owner = NULL,
                lease_expires_at = NULL, row_count = coalesce(\(rowCount), row_count),
                step_timings = step_timings || \(PostgresJSON(timings))::jsonb
            WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
            """)
        // Wake the schedulers, so they sleep until this retry rather than past it.
        try connection.notify(ScheduleRepository.changeChannel, payload: "execution")
    }

    /// `{a,b}` (PostgreSQL's uuid[] text) → ids.
    static func uuids(_ text: String) -> [UUID] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { UUID(uuidString: String($0)) }
    }
}
