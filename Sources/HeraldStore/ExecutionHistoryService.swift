import Foundation
import HeraldCore
import Postgres

/// What people read about runs, in pages, the API and the CLI alike: the runs an actor may see (`Visibility.execution`),
/// filtered and keyset-paginated newest first; one run with its step timings, deliveries and artifacts; one artifact.
/// What the actor may not see is `NotFound`, never `Forbidden`.
public struct ExecutionHistoryService {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// The statuses an execution can have (the `executions.status` check).
    public static let statuses = ["queued", "running", "succeeded", "partial", "failed", "skipped", "cancelled"]

    /// Which runs to list; every field optional. `from`/`to` bound the slot (`scheduled_for`), `to` exclusive;
    /// `deadLettered` keeps only runs that crashed their workers or lost every delivery.
    public struct Filter: Sendable, Equatable {
        public var status: String?
        public var scheduleID: UUID?
        public var from: Date?
        public var to: Date?
        public var deadLettered: Bool

        public init(status: String? = nil, scheduleID: UUID? = nil, from: Date? = nil, to: Date? = nil, deadLettered: Bool = false) {
            self.status = status
            self.scheduleID = scheduleID
            self.from = from
            self.to = to
            self.deadLettered = deadLettered
        }

        /// Refuses what cannot match anything: an unknown status, a range that ends before it starts.
        public func validate() throws {
            var errors: [ValidationError] = []
            if let status, !ExecutionHistoryService.statuses.contains(status) {
                errors.append(ValidationError(field: "status", message: "must be one of \(ExecutionHistoryService.statuses.joined(separator: ", "))"))
            }
            if let from, let to, to <= from { errors.append(ValidationError(field: "to", message: "must be after from")) }
            if !errors.isEmpty { throw ValidationErrors(errors) }
        }
    }

    /// The runs after `after` (the sort key `[scheduled_for, id]` of the last one shown), newest first; one more than
    /// `limit` is read to know whether a next page exists.
    public func list(_ filter: Filter, limit: Int, after: [String]?, actor: Actor) throws -> (items: [ExecutionRecord], next: [String]?) {
        try filter.validate()
        var keyset: PostgresQuery = "true"
        if let key = try Keyset.after(after, key: .instant) {
            keyset = "(e.scheduled_for, e.id) < (\(key.key)::timestamptz, \(key.id)::uuid)"
        }
        let rows = try connection.query("""
            SELECT \(unsafeRaw: Self.columns)
            FROM executions e LEFT JOIN schedules s ON s.id = e.schedule_id JOIN reports r ON r.id = e.report_id
            WHERE \(fragment: Visibility.execution("e", actor))
              AND (\(filter.status)::text IS NULL OR e.status = \(filter.status))
              AND (\(filter.scheduleID)::uuid IS NULL OR e.schedule_id = \(filter.scheduleID))
              AND (\(filter.from)::timestamptz IS NULL OR e.scheduled_for >= \(filter.from)::timestamptz)
              AND (\(filter.to)::timestamptz IS NULL OR e.scheduled_for < \(filter.to)::timestamptz)
              AND (NOT \(filter.deadLettered) OR e.dead_lettered_at IS NOT NULL)
              AND \(fragment: keyset)
            ORDER BY e.scheduled_for DESC, e.id DESC
            LIMIT \(limit + 1)
            """)
        var items = try rows.map(ExecutionRecord.init(row:))
        var next: [String]?
        if items.count > limit {
            items.removeLast(items.count - limit)
            next = Keyset.parts(try rows[limit - 1].decode("sort_key", as: String.self), items[limit - 1].id)
        }
        return (items, next)
    }

    /// One run with everything about it, or `NotFound`.
    public func get(id: UUID, actor: Actor) throws -> ExecutionDetail {
        guard let row = try connection.query("""
            SELECT \(unsafeRaw: Self.columns), e.step_timings::text AS timings, e.step, e.lateness_ms, e.missed_count, e.skip_reason,
                   e.dead_lettered_at, e.enqueued_at, e.created_at, e.destination_ids IS NOT NULL AS is_test_only,
                   coalesce(ru.email, '') AS requested_by
            FROM executions e LEFT JOIN schedules s ON s.id = e.schedule_id JOIN reports r ON r.id = e.report_id
                 LEFT JOIN users ru ON ru.id = e.requested_by
            WHERE e.id = \(id) AND \(fragment: Visibility.execution("e", actor))
            """).first else { throw NotFound("execution") }
        let timingsText = try row.decode("timings", as: String.self)
        let timings = (try? JSONDecoder().decode([String: Double].self, from: Data(timingsText.utf8))) ?? [:]
        let order = ["query", "render", "deliver"]
        let steps = timings.sorted { (order.firstIndex(of: $0.key) ?? 99, $0.key) < (order.firstIndex(of: $1.key) ?? 99, $1.key) }
            .map { ExecutionDetail.Step(name: $0.key, seconds: $0.value) }
        let deliveries = try connection.query("""
            SELECT d.id, d.destination_id, coalesce(ds.name, '') AS destination_name, d.channel, d.recipient, d.status, d.attempts,
                   d.next_attempt_at, d.last_error, d.detail, d.delivered_at, d.created_at, d.updated_at
            FROM deliveries d LEFT JOIN destinations ds ON ds.id = d.destination_id
            WHERE d.execution_id = \(id) ORDER BY d.created_at, d.id
            """).map(DeliveryRecord.init(row:))
        let artifacts = try connection.query("""
            SELECT a.id, a.execution_id, a.format, a.file_name, a.byte_count, encode(a.sha256, 'hex') AS sha256, a.created_at, a.expires_at
            FROM artifacts a WHERE a.execution_id = \(id) ORDER BY a.created_at, a.id
            """).map(ArtifactRecord.init(row:))
        return ExecutionDetail(
            execution: try ExecutionRecord(row: row), step: try row.decode("step", as: String?.self), steps: steps,
            latenessMs: try row.decode("lateness_ms", as: Double?.self), missedCount: try row.decode("missed_count"),
            skipReason: try row.decode("skip_reason", as: String?.self), deadLetteredAt: try row.decode("dead_lettered_at", as: Date?.self),
            enqueuedAt: try row.decode("enqueued_at", as: Date?.self), createdAt: try row.decode("created_at"),
            testOnly: try row.decode("is_test_only"), requestedBy: try row.decode("requested_by"),
            deliveries: deliveries, artifacts: artifacts)
    }

    /// An artifact the actor may see (through its execution), with where it is stored, or `NotFound`.
    public func artifact(id: UUID, actor: Actor) throws -> StoredArtifact {
        guard let row = try connection.query("""
            SELECT a.id, a.execution_id, a.format, a.file_name, a.byte_count, encode(a.sha256, 'hex') AS sha256, a.created_at,
                   a.expires_at, a.storage_path
            FROM artifacts a JOIN executions e ON e.id = a.execution_id
            WHERE a.id = \(id) AND \(fragment: Visibility.execution("e", actor))
            """).first else { throw NotFound("artifact") }
        return StoredArtifact(artifact: try ArtifactRecord(row: row), storagePath: try row.decode("storage_path"))
    }

    /// An artifact whose link was already checked (a signed download): no actor, only the stored row.
    public func storedArtifact(id: UUID) throws -> StoredArtifact? {
        try connection.query("""
            SELECT id, execution_id, format, file_name, byte_count, encode(sha256, 'hex') AS sha256, created_at, expires_at, storage_path
            FROM artifacts WHERE id = \(id) AND (expires_at IS NULL OR expires_at > now())
            """).first.map { StoredArtifact(artifact: try ArtifactRecord(row: $0), storagePath: try $0.decode("storage_path")) }
    }

    /// Checks visibility and writes the `artifact.download` audit row: who asked for which file of which run.
    public func authorizeDownload(artifactID: UUID, actor: Actor) throws -> StoredArtifact {
        let stored = try artifact(id: artifactID, actor: actor)
        // Retention removes expired files; until it has, an expired artifact is not offered either.
        if let expires = stored.artifact.expiresAt, expires <= Date() { throw NotFound("artifact (it has expired)") }
        try AuditLog(connection: connection).record(
            actorID: actor.userID, actorLabel: actor.label, action: "artifact.download", subjectType: "artifact",
            subjectID: artifactID.uuidString.lowercased(),
            details: ["execution_id": stored.artifact.executionID.uuidString.lowercased(), "file_name": stored.artifact.fileName])
        return stored
    }

    static let columns = """
        e.id, e.schedule_id, coalesce(s.name, '') AS schedule_name, e.report_id, r.name AS report_name, e.scheduled_for,
        \(instantSortKey("e.scheduled_for")) AS sort_key, e.trigger, e.status,
        e.attempts, e.priority, e.started_at, e.finished_at, e.row_count, e.truncated, e.error,
        coalesce(e.parameters, '{}')::text AS parameters, e.report_version, e.pinned
        """
}

/// One run as lists show it.
public struct ExecutionRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let scheduleID: UUID?
    public let scheduleName: String
    public let reportID: UUID
    public let reportName: String
    public let scheduledFor: Date
    public let trigger: String
    public let status: String
    public let attempts: Int
    public let priority: Int
    public let startedAt: Date?
    public let finishedAt: Date?
    public let rowCount: Int64?
    /// The result reached the report's row limit: `rowCount` rows were kept, the rest cut.
    public let truncated: Bool
    public let error: String?
    /// The parameter values the run resolved at its logical time (relative dates as the dates they became).
    public let parameters: [String: ParameterInput]
    /// The version of the report's SQL and parameters it ran; nil until it was claimed.
    public let reportVersion: Int?
    /// Kept by retention whatever its age.
    public let pinned: Bool

    /// Still to end: a page showing it refreshes.
    public var isActive: Bool { status == "queued" || status == "running" }

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        scheduleID = try row.decode("schedule_id", as: UUID?.self)
        scheduleName = try row.decode("schedule_name")
        reportID = try row.decode("report_id")
        reportName = try row.decode("report_name")
        scheduledFor = try row.decode("scheduled_for")
        trigger = try row.decode("trigger")
        status = try row.decode("status")
        attempts = try row.decode("attempts")
        priority = try row.decode("priority")
        startedAt = try row.decode("started_at", as: Date?.self)
        finishedAt = try row.decode("finished_at", as: Date?.self)
        rowCount = try row.decode("row_count", as: Int64?.self)
        truncated = try row.decode("truncated")
        error = try row.decode("error", as: String?.self)
        parameters = try row.decodeJSON("parameters", as: [String: ParameterInput].self)
        reportVersion = try row.decode("report_version", as: Int?.self)
        pinned = try row.decode("pinned")
    }
}

/// One run with its steps, deliveries and artifacts.
public struct ExecutionDetail: Sendable, Equatable {
    public struct Step: Sendable, Codable, Equatable {
        public let name: String
        public let seconds: Double
    }
    public let execution: ExecutionRecord
    /// The step a running execution is in (`query`, `render`, `deliver`, `retry`).
    public let step: String?
    public let steps: [Step]
    public let latenessMs: Double?
    public let missedCount: Int
    public let skipReason: String?
    public let deadLetteredAt: Date?
    public let enqueuedAt: Date?
    public let createdAt: Date
    /// A test run delivers only to the destinations it names.
    public let testOnly: Bool
    /// The e-mail of who asked for a manual or test run, or "".
    public let requestedBy: String
    public let deliveries: [DeliveryRecord]
    public let artifacts: [ArtifactRecord]
}

/// One delivery of a run: where, how it went, how often it was tried.
public struct DeliveryRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let destinationID: UUID?
    public let destinationName: String
    public let channel: String
    public let recipient: String
    public let status: String
    public let attempts: Int
    public let nextAttemptAt: Date?
    public let lastError: String?
    public let detail: String?
    public let deliveredAt: Date?
    public let createdAt: Date
    public let updatedAt: Date

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        destinationID = try row.decode("destination_id", as: UUID?.self)
        destinationName = try row.decode("destination_name")
        channel = try row.decode("channel")
        recipient = try row.decode("recipient")
        status = try row.decode("status")
        attempts = try row.decode("attempts")
        nextAttemptAt = try row.decode("next_attempt_at", as: Date?.self)
        lastError = try row.decode("last_error", as: String?.self)
        detail = try row.decode("detail", as: String?.self)
        deliveredAt = try row.decode("delivered_at", as: Date?.self)
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// A rendered file of a run (never its storage path: that stays on the server).
public struct ArtifactRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let executionID: UUID
    public let format: String
    public let fileName: String
    public let byteCount: Int64
    public let sha256: String
    public let createdAt: Date
    public let expiresAt: Date?

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        executionID = try row.decode("execution_id")
        format = try row.decode("format")
        fileName = try row.decode("file_name")
        byteCount = try row.decode("byte_count")
        sha256 = try row.decode("sha256")
        createdAt = try row.decode("created_at")
        expiresAt = try row.decode("expires_at", as: Date?.self)
    }
}

/// An artifact and its `storage_path` (relative to the data directory), for serving it.
public struct StoredArtifact: Sendable, Equatable {
    public let artifact: ArtifactRecord
    public let storagePath: String
}

extension ExecutionHistoryService {
    /// The schedules the actor may see, by name, for the list's filter.
    public func scheduleChoices(actor: Actor, limit: Int = 500) throws -> [(id: UUID, name: String)] {
        try connection.query("""
            SELECT s.id, s.name FROM schedules s WHERE \(fragment: Visibility.schedule("s", actor)) ORDER BY s.name, s.id LIMIT \(limit)
            """).map { (try $0.decode("id"), try $0.decode("name")) }
    }
}
