import Foundation
import HeraldCore
import Postgres

/// What a worker learns when it takes the lease on an execution.
public struct ClaimedExecution: Sendable {
    public let id: UUID
    public let scheduleID: UUID?
    public let scheduledFor: Date
    /// What started the run (`schedule`, `manual`, `backfill`, `test` …), for the metrics of how runs end.
    public let trigger: String
    public let attempts: Int
    public let crashes: Int
    public let reportName: String
    public let sql: String
    public let dataSourceID: UUID
    public let statementTimeoutMs: Int
    public let maxConcurrency: Int
    /// The report's deadline: a run still going this long after its claim is cancelled and fails.
    public let maxDurationSeconds: Int
    /// The report's row limit: a longer result stops there and the run is marked truncated.
    public let rowLimit: Int
    public let destinationIDs: [UUID]
    public let timeZone: String
    public let overlapPolicy: String?
    public let ownerID: UUID?
    /// The files an earlier attempt kept (paths relative to the data directory): a retry re-delivers them.
    public let keptArtifacts: [(format: String, storagePath: String)]
    /// The report's parameters as JSON (`reports.parameters`) and the schedule's values for them (`{}` for a run
    /// without a schedule: the defaults).
    public let parametersJSON: String
    public let parameterValuesJSON: String
    /// The schedule's formats (`csv` for a run without a schedule), each rendered from the one query.
    public let formats: [String]
    public let exportOptions: ExportOptions
    public let reportDescription: String
    /// The schedule's name; "" for a run without a schedule.
    public let scheduleName: String
    /// The data source slot (advisory lock) taken with the claim when a query is needed; nil if none was free.
    public let sourceSlot: Int?
    /// When the run delivers (the schedule's; `always` for a run without a schedule).
    public let deliveryCondition: DeliveryCondition
    /// A backfill run, or a run of a schedule with a backfill in flight: it must not overlap the other, so before
    /// running it asks `parkBehindScheduleRun`. False for every other run, which pays nothing for backfills.
    public let sharesScheduleWithBackfill: Bool
    /// `{"columns": [...], "rows": [[...]]}` as the attempt that rendered the files kept it (nil before).
    public let previewJSON: String?
    /// A first attempt whose destinations are all folders (quick and local) skips `startDelivering`: these are its
    /// deliveries (ids made here), recorded with their outcomes, its files and its query's figures by one `finish`
    /// (`Finish.fresh`): one statement and one update of the execution fewer per run. Nil: the general path.
    public let freshTargets: [DueDelivery]?
}

/// What one delivery attempt came to, recorded by `finish`.
public struct DeliveryOutcome: Sendable {
    public enum Result: Sendable {
        case succeeded(detail: String)
        /// Retried at `retryAt`; dead when nil (it was the last attempt, or retrying cannot help).
        case failed(error: String, retryAt: Date?)
        /// Not attempted (its host's circuit breaker is open): no attempt is used up.
        case postponed(reason: String, until: Date)
    }
    public let deliveryID: UUID
    public let result: Result

    public init(deliveryID: UUID, result: Result) {
        self.deliveryID = deliveryID
        self.result = result
    }
}

extension DeliveryOutcome.Result {
    /// How `finish` writes it: `succeeded`, `failed` (retried at `at`), `dead` or `postponed` (until `at`), its detail
    /// or error, and `at` in seconds since 1970 (-1: none).
    var columns: (kind: String, text: String, at: Double) {
        switch self {
        case .succeeded(let detail): ("succeeded", detail, -1)
        case .failed(let error, let retryAt): (retryAt == nil ? "dead" : "failed", error, retryAt?.timeIntervalSince1970 ?? -1)
        case .postponed(let reason, let until): ("postponed", reason, until.timeIntervalSince1970)
        }
    }
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

/// A parked run taken off its wait because a slot of its data source freed: the waker puts it on its stream.
public struct WokenRun: Sendable, Equatable {
    public let id: UUID
    public let priority: Int
}

/// A file a run rendered and keeps under the data directory, recorded in `artifacts` with the run's delivery step.
public struct KeptArtifact: Sendable, Equatable {
    public let format: String
    /// The name people download it as.
    public let fileName: String
    /// Relative to `HERALD_DATA_DIR`.
    public let storagePath: String
    public let byteCount: Int
    public let sha256Hex: String

    public init(format: String, fileName: String, storagePath: String, byteCount: Int, sha256Hex: String) {
        self.format = format
        self.fileName = fileName
        self.storagePath = storagePath
        self.byteCount = byteCount
        self.sha256Hex = sha256Hex
    }
}

/// One delivery a worker should attempt now.
public struct DueDelivery: Sendable {
    public let id: UUID
    /// nil: the destination was deleted (the row is dead already).
    public let destinationID: UUID?
    public let kind: String
    public let settings: String
    /// An email's address; "" for a channel with one target.
    public let recipient: String
    /// The destination's secrets, sealed, and the id of the key that sealed them (`SecretKeyring.open`).
    public let sealedSecrets: [UInt8]?
    public let secretKeyID: String?
    public let attempts: Int
}

/// The SQL of the execution lease: claim, renew, give back, finish. Every write by a worker is guarded by
/// `lease_owner`, so a worker whose lease was taken over (it hung past the lease) cannot overwrite the new owner.
public struct ExecutionLeaseRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// This session's commits no longer wait for the WAL flush (a worker's session: its lost commits are re-run).
    public func commitAsynchronously() throws {
        try connection.execute("SET synchronous_commit = off")
    }

    /// Takes the lease on a queued execution, or on a running one whose lease expired (its worker died: `crashes` + 1).
    public func claim(_ id: UUID, owner: String, leaseSeconds: Double) throws -> ClaimResult {
        try claimResult(id, rows: connection.query(Self.claimQuery(id, owner: owner, leaseSeconds: leaseSeconds)))
    }

    /// Records one attempt's end (`finish`) and claims the next execution in one round trip and one transaction:
    /// both commit, or (an error, thrown) neither does, and both leases run out as if the worker had crashed.
    public func finish(_ finishing: Finish, thenClaim id: UUID, owner: String, leaseSeconds: Double) throws
        -> (ended: Ended?, claim: ClaimResult) {
        let results = try connection.pipelinedQueries(Self.finishAndWakeQueries(finishing)
                                                      + [Self.claimQuery(id, owner: owner, leaseSeconds: leaseSeconds)])
        return (try ended(results[1], woke: results[2]), try claimResult(id, rows: results[3]))
    }

    /// The schedule's columns are read once (the `sched` CTE), not by a sub-select each. The rows are the claim's,
    /// repeated once per folder destination of a first attempt (`target_id`; see `ClaimedExecution.freshTargets`).
    static func claimQuery(_ id: UUID, owner: String, leaseSeconds: Double) -> PostgresQuery {
        """
            WITH sched AS (
                SELECT s.destination_ids, s.time_zone, s.overlap_policy, s.delivery_condition::text AS delivery_condition, s.owner_id,
                       s.name, s.parameters::text AS parameter_values, array_to_string(s.formats, ',') AS formats,
                       s.export_options::text AS export_options,
                       jsonb_build_object('filename', s.filename_pattern, 'naming', s.naming) AS distribution
                FROM executions x JOIN schedules s ON s.id = x.schedule_id WHERE x.id = \(id)
            ), kept AS (
                SELECT string_agg(a.format || '=' || a.storage_path, E'\\n' ORDER BY a.created_at) AS kept
                FROM artifacts a WHERE a.execution_id = \(id)
            ), claimed AS (
                UPDATE executions e
                SET status = 'running', step = 'query', attempts = e.attempts + 1,
                    crashes = e.crashes + CASE WHEN e.status = 'running' THEN 1 ELSE 0 END,
                    started_at = coalesce(e.started_at, clock_timestamp()), not_before = NULL, waiting_source_id = NULL,
                    claimed_at = clock_timestamp(), report_version = r.version,
                    lease_owner = \(owner), lease_expires_at = clock_timestamp() + make_interval(secs => \(leaseSeconds))
                FROM reports r JOIN data_sources d ON d.id = r.data_source_id CROSS JOIN kept k LEFT JOIN sched s ON true
                WHERE e.id = \(id) AND r.id = e.report_id
                  AND ((e.status = 'queued' AND (e.not_before IS NULL OR e.not_before <= clock_timestamp()))
                       OR (e.status = 'running' AND e.lease_expires_at < clock_timestamp()))
                RETURNING e.id, e.schedule_id, e.scheduled_for, e.trigger, e.attempts, e.crashes, r.name, r.sql, r.data_source_id, e.preview::text AS preview,
                          d.statement_timeout_ms, d.max_concurrency, r.max_duration_seconds, r.row_limit,
                          coalesce(e.destination_ids, s.destination_ids, '{}') AS destination_ids,
                          coalesce(s.time_zone, 'UTC') AS time_zone, s.overlap_policy,
                          coalesce(s.delivery_condition, '{"mode":"always"}') AS delivery_condition,
                          coalesce(s.owner_id, r.owner_id) AS owner_id, r.parameters::text AS declared, r.description_md,
                          coalesce(s.name, '') AS schedule_name, coalesce(s.parameter_values, '{}') AS parameter_values,
                          coalesce(s.formats, 'csv') AS formats, coalesce(s.export_options, '{}') AS export_options,
                          coalesce(s.distribution, '{}'::jsonb) AS distribution, k.kept,
                          EXISTS (SELECT 1 FROM deliveries l WHERE l.execution_id = e.id) AS has_deliveries,
                          (e.trigger = 'backfill' OR EXISTS (SELECT 1 FROM executions b WHERE b.schedule_id = e.schedule_id
                                                             AND b.trigger = 'backfill' AND b.status IN ('queued', 'running'))) AS backfill_in_flight,
                          -- A slot, unless the rendering is kept already or a run parked on the source goes first (higher
                          -- priority, or the same and an earlier slot): the freed slot is for the run its release woke.
                          CASE WHEN k.kept IS NULL
                                    AND NOT EXISTS (SELECT 1 FROM executions p
                                                    WHERE p.status = 'queued' AND p.waiting_source_id = d.id
                                                      AND (p.priority > e.priority OR (p.priority = e.priority AND p.scheduled_for < e.scheduled_for))) THEN
                              (SELECT slot FROM generate_series(0, d.max_concurrency - 1) slot
                               WHERE pg_try_advisory_lock(herald_source_lock_key(d.id), slot) LIMIT 1)
                          END AS source_slot
            )
            SELECT c.*, c.destination_ids::text AS destinations, t.id AS target_id, t.settings AS target_settings
            FROM claimed c LEFT JOIN LATERAL (
                SELECT d.id, (c.distribution || d.settings)::text AS settings FROM destinations d
                WHERE d.id = ANY(c.destination_ids) AND d.kind = 'folder' AND d.secret_encrypted IS NULL
                  AND NOT c.has_deliveries AND c.kept IS NULL
                ORDER BY array_position(c.destination_ids, d.id)
            ) t ON true
            """
    }

    private func claimResult(_ id: UUID, rows: [PostgresRow]) throws -> ClaimResult {
        guard let row = rows.first else {
            let leased = try connection.query("""
                SELECT 1 FROM executions WHERE id = \(id) AND status = 'running' AND lease_expires_at >= clock_timestamp()
                """).count == 1
            return .refused(leased ? .leasedElsewhere : .notRunnable)
        }
        return .claimed(ClaimedExecution(
            id: try row.decode("id"), scheduleID: try row.decode("schedule_id", as: UUID?.self),
            scheduledFor: try row.decode("scheduled_for"), trigger: try row.decode("trigger"), attempts: try row.decode("attempts"), crashes: try row.decode("crashes"),
            reportName: try row.decode("name"), sql: try row.decode("sql"), dataSourceID: try row.decode("data_source_id"),
            statementTimeoutMs: try row.decode("statement_timeout_ms"), maxConcurrency: try row.decode("max_concurrency"),
            maxDurationSeconds: try row.decode("max_duration_seconds"), rowLimit: try row.decode("row_limit"),
            destinationIDs: Self.uuids(try row.decode("destinations")), timeZone: try row.decode("time_zone"),
            overlapPolicy: try row.decode("overlap_policy", as: String?.self), ownerID: try row.decode("owner_id", as: UUID?.self),
            keptArtifacts: (try row.decode("kept", as: String?.self) ?? "").split(separator: "\n").compactMap { line in
                line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
            },
            parametersJSON: try row.decode("declared"), parameterValuesJSON: try row.decode("parameter_values"),
            formats: (try row.decode("formats", as: String.self)).split(separator: ",").map(String.init),
            exportOptions: try row.decodeJSON("export_options", as: ExportOptions.self),
            reportDescription: try row.decode("description_md"), scheduleName: try row.decode("schedule_name"),
            sourceSlot: try row.decode("source_slot", as: Int?.self),
            deliveryCondition: try row.decodeJSON("delivery_condition", as: DeliveryCondition.self),
            sharesScheduleWithBackfill: try row.decode("backfill_in_flight"), previewJSON: try row.decode("preview", as: String?.self),
            freshTargets: try Self.freshTargets(rows, destinations: Self.uuids(try row.decode("destinations")))))
    }

    /// The claim's folder destinations as deliveries not yet recorded, when every destination of the run is one and the
    /// run has no delivery row yet; nil otherwise (`startDelivering` records and returns them).
    private static func freshTargets(_ rows: [PostgresRow], destinations: [UUID]) throws -> [DueDelivery]? {
        let targets = try rows.compactMap { row -> DueDelivery? in
            guard let id = try row.decode("target_id", as: UUID?.self) else { return nil }
            return DueDelivery(id: UUID(), destinationID: id, kind: DestinationKind.folder.rawValue, settings: try row.decode("target_settings"),
                               recipient: "", sealedSecrets: nil, secretKeyID: nil, attempts: 0)
        }
        guard let first = rows.first, try !first.decode("has_deliveries", as: Bool.self), try first.decode("kept", as: String?.self) == nil,
              targets.count == destinations.count, Set(destinations).count == destinations.count else { return nil }
        return targets
    }

    /// Extends the leases of the executions `owner` is working on now; the owner's heartbeat calls this well inside
    /// the lease. Only those: a run that broke off in this process (its thread lost PostgreSQL mid-way) must expire,
    /// so that it is reclaimed, not kept alive forever by a heartbeat that still beats. Nor past the report's
    /// maximum duration plus `deadlineGrace`: a worker stuck where it cannot be cancelled loses the run.
    public func renew(owner: String, executions: [UUID], leaseSeconds: Double, deadlineGrace: Double = 60) throws {
        guard !executions.isEmpty else { return }
        try connection.execute("""
            UPDATE executions e SET lease_expires_at = clock_timestamp() + make_interval(secs => \(leaseSeconds))
            FROM reports r
            WHERE e.id = ANY(\(executions)::uuid[]) AND e.status = 'running' AND e.lease_owner = \(owner) AND r.id = e.report_id
              AND coalesce(e.claimed_at, clock_timestamp()) + make_interval(secs => r.max_duration_seconds + \(deadlineGrace)::float8) > clock_timestamp()
            """)
    }

    /// Whether `owner` still holds the lease (extending it when so): checked before each write outside PostgreSQL
    /// (a delivery), so a worker that was stopped past its lease and woke up writes nothing.
    public func stillHeld(_ id: UUID, owner: String, leaseSeconds: Double) throws -> Bool {
        try connection.execute("""
            UPDATE executions SET lease_expires_at = greatest(lease_expires_at, clock_timestamp() + make_interval(secs => \(leaseSeconds)))
            WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
            """) == 1
    }

    /// Gives a claimed execution back to the queue to start at `notBefore` (the previous run of a `buffer_one`
    /// schedule still going, a shutdown, an unreachable data source). The attempt it took is returned too, unless
    /// `countAttempt`. `reason` is kept in `error` while it waits (a data source that could not be reached, say).
    public func giveBack(_ id: UUID, owner: String, notBefore: Date?, countAttempt: Bool = false, reason: String? = nil) throws {
        try connection.execute("""
            UPDATE executions
            SET status = 'queued', step = \(reason == nil ? nil : "retry"), attempts = attempts - \(countAttempt ? 0 : 1),
                not_before = \(notBefore), enqueued_at = NULL, lease_owner = NULL, lease_expires_at = NULL, error = \(reason)
            WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
            """)
        try connection.notify(ScheduleRepository.changeChannel, payload: "execution")
    }

    /// Every slot of the data source was taken at the claim: tries once more, and if none is free parks the run
    /// (queued, off the streams, the attempt returned) until a slot holder's release wakes it. Returns the slot when
    /// one freed meanwhile (the run keeps its lease and goes on), nil when parked.
    public func park(_ id: UUID, owner: String, dataSourceID: UUID, maxConcurrency: Int) throws -> Int? {
        try connection.query("""
            WITH me AS (
                SELECT priority, scheduled_for FROM executions WHERE id = \(id)
            ), slot AS MATERIALIZED (
                -- CASE, not AND: no lock is taken when a parked run goes first.
                SELECT s FROM generate_series(0, \(maxConcurrency) - 1) s
                WHERE CASE WHEN EXISTS (SELECT 1 FROM executions p, me
                                        WHERE p.status = 'queued' AND p.waiting_source_id = \(dataSourceID)
                                          AND (p.priority > me.priority OR (p.priority = me.priority AND p.scheduled_for < me.scheduled_for)))
                           THEN false
                           ELSE pg_try_advisory_lock(herald_source_lock_key(\(dataSourceID)::uuid), s) END
                LIMIT 1
            ), parked AS (
                UPDATE executions
                SET status = 'queued', step = NULL, attempts = attempts - 1, waiting_source_id = \(dataSourceID),
                    enqueued_at = NULL, lease_owner = NULL, lease_expires_at = NULL,
                    lateness_ms = coalesce(lateness_ms, extract(epoch FROM clock_timestamp() - scheduled_for) * 1000)
                WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner) AND NOT EXISTS (SELECT 1 FROM slot)
            )
            SELECT (SELECT s FROM slot) AS slot
            """)[0].decode("slot", as: Int?.self)
    }

    /// The `released` and `woken` CTEs: free the data source slot a run's query held (nothing when nil) and mark the
    /// best run parked on that source enqueued. Every statement that ends a query's hold on a slot starts with them.
    static func releasingSlot(_ slot: (dataSourceID: UUID, slot: Int)?) -> PostgresQuery {
        """
            released AS MATERIALIZED (
                SELECT CASE WHEN \(slot?.slot)::int IS NULL THEN NULL
                            ELSE pg_advisory_unlock(herald_source_lock_key(\(slot?.dataSourceID)::uuid), \(slot?.slot)::int) END AS ok
            ), woken AS (
                UPDATE executions SET waiting_source_id = NULL, enqueued_at = clock_timestamp()
                WHERE id = (SELECT id FROM executions WHERE status = 'queued' AND waiting_source_id = \(slot?.dataSourceID)::uuid
                            ORDER BY priority DESC, scheduled_for LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, priority
            )
            """
    }

    /// Frees a data source slot this session holds (a session advisory lock), and wakes the best run parked on the
    /// source in the same statement. The woken run is marked enqueued: the caller puts it on its stream (or, if
    /// that fails, `ExecutionRepository.releaseTaken` leaves it to the reconciler).
    public func releaseSourceSlot(dataSourceID: UUID, slot: Int) throws -> [WokenRun] {
        try connection.query("""
            WITH \(fragment: Self.releasingSlot((dataSourceID, slot)))
            SELECT (SELECT ok FROM released) AS released, w.id, w.priority FROM (SELECT 1) one LEFT JOIN woken w ON true
            """).compactMap { row in
            guard let id = try row.decode("id", as: UUID?.self) else { return nil }
            return WokenRun(id: id, priority: try row.decode("priority"))
        }
    }

    /// Wakes parked runs of data sources that have free slots nobody is about to take: their holder's process died
    /// (PostgreSQL dropped its advisory locks, no release woke anyone) or a wake-up raced a park. One statement,
    /// run on the lease keeper's slow cadence, never per waiting run.
    public func wakeStranded() throws -> [WokenRun] {
        try connection.query("""
            WITH sources AS (
                SELECT d.id, d.max_concurrency,
                       (SELECT count(*) FROM pg_locks l
                        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                          AND l.classid::text::bigint = (herald_source_lock_key(d.id))::bigint & 4294967295) AS held,
                       (SELECT count(*) FROM executions h JOIN reports r ON r.id = h.report_id
                        WHERE r.data_source_id = d.id AND h.status = 'queued' AND h.waiting_source_id IS NULL
                          AND h.started_at IS NOT NULL AND h.not_before IS NULL
                          AND h.enqueued_at > clock_timestamp() - interval '30 seconds') AS handing
                FROM data_sources d
                WHERE EXISTS (SELECT 1 FROM executions p WHERE p.status = 'queued' AND p.waiting_source_id = d.id)
            ), picked AS (
                SELECT p.id FROM sources s CROSS JOIN LATERAL (
                    SELECT id FROM executions p WHERE p.status = 'queued' AND p.waiting_source_id = s.id
                    ORDER BY priority DESC, scheduled_for LIMIT greatest(s.max_concurrency - s.held - s.handing, 0)
                    FOR UPDATE SKIP LOCKED) p
            )
            UPDATE executions e SET waiting_source_id = NULL, enqueued_at = clock_timestamp()
            FROM picked WHERE e.id = picked.id AND e.status = 'queued'
            RETURNING e.id, e.priority
            """).map { WokenRun(id: try $0.decode("id"), priority: try $0.decode("priority")) }
    }

    /// Another execution of the same schedule is running now.
    public func otherRunRunning(scheduleID: UUID, besides id: UUID) throws -> Bool {
        try connection.query("""
            SELECT 1 FROM executions WHERE schedule_id = \(scheduleID) AND status = 'running' AND id <> \(id) LIMIT 1
            """).count == 1
    }

    /// After the query and render (or, on a retry, straight after the claim): records the kept rendering, moves the
    /// execution to `deliver`, creates its delivery rows (once; a destination deleted since gets a dead row that
    /// says so) and returns the deliveries due now: new ones, and failed ones whose backoff is over. Succeeded and
    /// dead ones are never sent again by a retry. One statement.
    /// Every write is conditioned on the lease (nil: it was lost, and nothing was recorded), except `releasing`:
    /// the data source slot the query held is freed whatever happens, and the best run parked on it woken.
    /// `parameters`: the values the run resolved (JSON), kept with it for the history; `resultDigest` (the result's
    /// `ResultDigest`) is kept for `if_changed` delivery; nil keeps what is stored.
    public func startDelivering(_ id: UUID, owner: String, destinations: [UUID], rowCount: Int?, truncated: Bool = false,
                                artifacts: [KeptArtifact], parameters: String? = nil,
                                releasing slot: (dataSourceID: UUID, slot: Int)? = nil,
                                resultDigest: [UInt8]? = nil, preview: String? = nil) throws -> (due: [DueDelivery]?, woken: [WokenRun], artifactIDs: [String: UUID]) {
        let rows = try connection.query("""
            WITH \(fragment: Self.releasingSlot(slot)), step AS (
                UPDATE executions SET step = 'deliver', row_count = coalesce(\(rowCount), row_count),
                    truncated = truncated OR \(truncated), parameters = coalesce(\(parameters)::jsonb, parameters),
                    preview = coalesce(\(preview)::jsonb, preview),
                    result_sha256 = coalesce(\(resultDigest)::bytea, result_sha256)
                WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
                RETURNING id
            ), art AS (
                INSERT INTO artifacts (execution_id, format, file_name, storage_path, byte_count, sha256)
                SELECT \(id), a.format, a.file_name, a.storage_path, a.byte_count, decode(a.sha256, 'hex')
                FROM step, unnest(\(artifacts.map(\.format))::text[], \(artifacts.map(\.fileName))::text[], \(artifacts.map(\.storagePath))::text[],
                                  \(artifacts.map { Int64($0.byteCount) })::bigint[], \(artifacts.map(\.sha256Hex))::text[])
                     AS a(format, file_name, storage_path, byte_count, sha256)
                RETURNING id, format
            ), tester AS (
                -- A test run's email goes to the user who asked for it, never to the destination's recipients.
                SELECT u.email FROM executions e JOIN users u ON u.id = e.requested_by WHERE e.id = \(id) AND e.trigger = 'test'
            ), targets AS (
                SELECT d.id, d.kind, d.secret_encrypted, d.secret_key_id,
                       CASE WHEN d.kind = 'email' AND EXISTS (SELECT 1 FROM tester)
                            THEN d.settings || jsonb_build_object('to', jsonb_build_array((SELECT email FROM tester)), 'cc', '[]'::jsonb, 'bcc', '[]'::jsonb)
                            ELSE d.settings END AS settings
                FROM destinations d
                WHERE d.id = ANY(\(destinations)::uuid[]) OR d.id IN (SELECT destination_id FROM deliveries WHERE execution_id = \(id))
            ), created AS (
                -- One row per recipient of an email destination (To, CC and BCC, each address once), one per other
                -- destination: each is retried, re-sent and shown on its own.
                INSERT INTO deliveries (execution_id, destination_id, channel, recipient, idempotency_key)
                SELECT \(id), d.id, d.kind, r.recipient, \(id)::text || ':' || d.id::text || ':' || r.recipient
                FROM targets d
                CROSS JOIN LATERAL (
                    SELECT '' AS recipient, 0::bigint AS position WHERE d.kind <> 'email'
                    UNION ALL
                    SELECT a.address, min(a.position) FROM jsonb_array_elements_text(
                        coalesce(d.settings->'to', '[]') || coalesce(d.settings->'cc', '[]') || coalesce(d.settings->'bcc', '[]'))
                        WITH ORDINALITY AS a(address, position)
                    WHERE d.kind = 'email' GROUP BY a.address
                ) r
                WHERE d.id = ANY(\(destinations)::uuid[]) AND EXISTS (SELECT 1 FROM step)
                ON CONFLICT DO NOTHING
                RETURNING id, destination_id, recipient, attempts, created_at
            ), distribution AS (
                -- The schedule's file name pattern and naming (migration 0008), unless the destination still sets its own;
                -- and its message text for email destinations (migration 0020), which wins over theirs when non-empty.
                SELECT coalesce((SELECT jsonb_build_object('filename', s.filename_pattern, 'naming', s.naming)
                                 FROM executions e JOIN schedules s ON s.id = e.schedule_id WHERE e.id = \(id)), '{}'::jsonb) AS dist,
                       coalesce((SELECT jsonb_strip_nulls(jsonb_build_object('subject', nullif(s.email_subject, ''), 'body_md', nullif(s.email_body_md, '')))
                                 FROM executions e JOIN schedules s ON s.id = e.schedule_id WHERE e.id = \(id)), '{}'::jsonb) AS message
            ), missing AS (
                INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status, last_error)
                SELECT \(id), NULL, 'unknown', \(id)::text || ':' || gone::text || ':', 'dead', 'the destination ' || gone::text || ' no longer exists'
                FROM unnest(\(destinations)::uuid[]) gone
                WHERE NOT EXISTS (SELECT 1 FROM destinations d WHERE d.id = gone) AND EXISTS (SELECT 1 FROM step)
                ON CONFLICT DO NOTHING
            )
            -- The first row always comes: it evaluates the release and says whether the lease held.
            SELECT true AS marker, EXISTS (SELECT 1 FROM step) AS leased, (SELECT ok FROM released) AS released,
                   (SELECT id FROM woken) AS woken_id, (SELECT priority FROM woken) AS woken_priority,
                   -- The run's files (kept by this attempt or an earlier one), for download links.
                   (SELECT string_agg(f.format || '=' || f.id::text, ',') FROM
                        (SELECT id, format FROM art UNION ALL SELECT id, format FROM artifacts WHERE execution_id = \(id)) f) AS artifact_ids,
                   NULL::uuid AS id, NULL::uuid AS destination_id, NULL::text AS kind, NULL::text AS settings, NULL::text AS recipient,
                   NULL::bytea AS sealed, NULL::text AS key_id, NULL::int AS attempts, NULL::timestamptz AS created_at
            UNION ALL
            SELECT false, NULL, NULL, NULL, NULL, NULL, c.id, c.destination_id, d.kind, ((SELECT dist FROM distribution) || d.settings
                    || CASE WHEN d.kind = 'email' THEN (SELECT message FROM distribution) ELSE '{}'::jsonb END)::text,
                   c.recipient, d.secret_encrypted, d.secret_key_id, c.attempts, c.created_at
            FROM created c JOIN targets d ON d.id = c.destination_id
            UNION ALL
            SELECT false, NULL, NULL, NULL, NULL, NULL, l.id, l.destination_id, coalesce(d.kind, l.channel), ((SELECT dist FROM distribution) || coalesce(d.settings, '{}')
                    || CASE WHEN d.kind = 'email' THEN (SELECT message FROM distribution) ELSE '{}'::jsonb END)::text,
                   l.recipient, d.secret_encrypted, d.secret_key_id, l.attempts, l.created_at
            FROM deliveries l LEFT JOIN targets d ON d.id = l.destination_id
            WHERE l.execution_id = \(id) AND l.status IN ('pending', 'failed')
              AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= clock_timestamp()) AND EXISTS (SELECT 1 FROM step)
            """)
        guard let marker = try rows.first(where: { try $0.decode("marker", as: Bool.self) }) else {
            preconditionFailure("startDelivering's first row is missing")
        }
        var woken: [WokenRun] = []
        if let wokenID = try marker.decode("woken_id", as: UUID?.self) {
            woken.append(WokenRun(id: wokenID, priority: try marker.decode("woken_priority")))
        }
        guard try marker.decode("leased", as: Bool.self) else { return (nil, woken, [:]) }
        var artifactIDs: [String: UUID] = [:]
        for pair in (try marker.decode("artifact_ids", as: String?.self) ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let id = UUID(uuidString: String(parts[1])) { artifactIDs[String(parts[0])] = id }
        }
        let due = try rows.filter { try !$0.decode("marker", as: Bool.self) }
            .map { (created: try $0.decode("created_at", as: Date.self),
                    delivery: DueDelivery(id: try $0.decode("id"), destinationID: try $0.decode("destination_id", as: UUID?.self),
                                          kind: try $0.decode("kind"), settings: try $0.decode("settings"), recipient: try $0.decode("recipient"),
                                          sealedSecrets: try $0.decode("sealed", as: [UInt8]?.self), secretKeyID: try $0.decode("key_id", as: String?.self),
                                          attempts: try $0.decode("attempts"))) }
            .sorted { $0.created < $1.created }.map(\.delivery)
        return (due, woken, artifactIDs)
    }

    /// What `finish` records: the end of one attempt, its deliveries done.
    public struct Finish: Sendable {
        public let id: UUID
        public let owner: String
        public let outcomes: [DeliveryOutcome]
        public let rowCount: Int?
        public let timings: [String: Double]
        /// A run delivered without `startDelivering` (`ClaimedExecution.freshTargets`): what that would have recorded.
        public let fresh: Fresh?

        public init(id: UUID, owner: String, outcomes: [DeliveryOutcome], rowCount: Int?, timings: [String: Double], fresh: Fresh? = nil) {
            self.id = id
            self.owner = owner
            self.outcomes = outcomes
            self.rowCount = rowCount
            self.timings = timings
            self.fresh = fresh
        }
    }

    /// What a run delivered straight after its query records with its end, in the same statement: its deliveries
    /// (the rows are inserted with their outcomes), its files, what its query found, and the data source slot the
    /// query held (freed, and the best run parked on the source woken, whatever happens, as in `startDelivering`).
    public struct Fresh: Sendable {
        public let deliveries: [DueDelivery]
        /// The files, with the ids their rows get (the download links were signed with them).
        public let artifacts: [(id: UUID, file: KeptArtifact)]
        public let truncated: Bool
        public let parameters: String?
        public let preview: String?
        public let resultDigest: [UInt8]?
        public let releasing: (dataSourceID: UUID, slot: Int)?

        public init(deliveries: [DueDelivery], artifacts: [(id: UUID, file: KeptArtifact)], truncated: Bool, parameters: String?,
                    preview: String?, resultDigest: [UInt8]?, releasing: (dataSourceID: UUID, slot: Int)?) {
            self.deliveries = deliveries
            self.artifacts = artifacts
            self.truncated = truncated
            self.parameters = parameters
            self.preview = preview
            self.resultDigest = resultDigest
            self.releasing = releasing
        }
    }

    /// How an attempt ended: `queued` while a delivery waits for its retry. `previousStatus`: the schedule's last
    /// finished run's status before this end (nil: none, or no schedule). `woken`: the run parked on the data source
    /// whose slot a fresh finish freed.
    public struct Ended: Sendable {
        public let status: String
        public let notBefore: Date?
        public let error: String?
        public let previousStatus: String?
        public var woken: [WokenRun] = []
    }

    /// Ends an attempt in one statement: records the delivery outcomes, then from all of the execution's deliveries
    /// decides its status: back to `queued` until the earliest retry while any waits, else `succeeded`, `partial`
    /// or `failed` (the owner is told afterwards, by `OwnerAlertRepository`). Returns nil when the lease was lost.
    public func finish(_ id: UUID, owner: String, outcomes: [DeliveryOutcome], rowCount: Int?, timings: [String: Double]) throws -> Ended? {
        try finish(Finish(id: id, owner: owner, outcomes: outcomes, rowCount: rowCount, timings: timings))
    }

    public func finish(_ finishing: Finish) throws -> Ended? {
        let results = try connection.pipelinedQueries(Self.finishAndWakeQueries(finishing))
        return try ended(results[1], woke: results[2])
    }

    /// The schedule's lock (first, so a finish never holds its row while it waits for the lock: no deadlock with
    /// another worker's claim), the finish, then the wake-up of the run waiting behind the schedule.
    static func finishAndWakeQueries(_ finishing: Finish) -> [PostgresQuery] {
        [scheduleLockQuery(of: finishing.id), finishQuery(finishing), wakeBehindScheduleQuery(after: finishing.id)]
    }

    /// How both finish queries end the execution from their `state` CTE (deliveries in all, succeeded, waiting for a
    /// retry, the earliest retry, the first dead one's error): back to `queued` while any waits, else its outcome.
    static let endedFromState: PostgresQuery = """
        status = CASE WHEN state.waiting > 0 THEN 'queued' WHEN state.ok = state.total THEN 'succeeded'
                      WHEN state.ok > 0 THEN 'partial' ELSE 'failed' END,
        step = CASE WHEN state.waiting > 0 THEN 'retry' END,
        not_before = CASE WHEN state.waiting > 0 THEN coalesce(state.next_at, clock_timestamp() + interval '1 second') END,
        enqueued_at = CASE WHEN state.waiting > 0 THEN NULL ELSE e.enqueued_at END,
        finished_at = CASE WHEN state.waiting > 0 THEN NULL ELSE clock_timestamp() END,
        error = CASE WHEN state.waiting > 0 THEN NULL ELSE state.dead_error END
        """

    static func finishQuery(_ finishing: Finish) -> PostgresQuery {
        if let fresh = finishing.fresh { return freshFinishQuery(finishing, fresh) }
        let (id, owner, rowCount, timings) = (finishing.id, finishing.owner, finishing.rowCount, finishing.timings)
        var ids: [UUID] = [], kinds: [String] = [], texts: [String] = [], times: [Double] = []
        for outcome in finishing.outcomes {
            ids.append(outcome.deliveryID)
            let (kind, text, at) = outcome.result.columns
            kinds.append(kind); texts.append(text); times.append(at)
        }
        return """
            WITH o AS (
                SELECT * FROM unnest(\(ids)::uuid[], \(kinds)::text[], \(texts)::text[], \(times)::float8[]) AS o(id, kind, text, at)
            ), recorded AS (
                UPDATE deliveries l
                SET status = CASE WHEN o.kind = 'postponed' THEN l.status ELSE o.kind END,
                    attempts = l.attempts + CASE WHEN o.kind = 'postponed' THEN 0 ELSE 1 END,
                    delivered_at = CASE WHEN o.kind = 'succeeded' THEN clock_timestamp() END,
                    next_attempt_at = CASE WHEN o.at < 0 THEN NULL ELSE to_timestamp(o.at) END,
                    last_error = CASE WHEN o.kind = 'succeeded' THEN NULL ELSE o.text END,
                    detail = CASE WHEN o.kind = 'succeeded' THEN o.text ELSE l.detail END,
                    updated_at = clock_timestamp()
                FROM o WHERE l.id = o.id AND l.execution_id = \(id)
                RETURNING l.status, l.next_attempt_at, l.last_error, l.created_at
            ), every AS (
                SELECT status, next_attempt_at, last_error, created_at FROM recorded
                UNION ALL
                SELECT status, next_attempt_at, last_error, created_at FROM deliveries
                WHERE execution_id = \(id) AND id <> ALL(\(ids)::uuid[])
            ), state AS (
                SELECT count(*) AS total, count(*) FILTER (WHERE status = 'succeeded') AS ok,
                       count(*) FILTER (WHERE status IN ('pending', 'failed')) AS waiting,
                       min(next_attempt_at) FILTER (WHERE status IN ('pending', 'failed')) AS next_at,
                       (array_agg(last_error ORDER BY created_at) FILTER (WHERE status = 'dead'))[1] AS dead_error
                FROM every
            ), ended AS (
                UPDATE executions e
                SET \(fragment: Self.endedFromState),
                    row_count = coalesce(\(rowCount), e.row_count), step_timings = e.step_timings || \(Self.timingsJSON(timings))::jsonb,
                    lease_owner = NULL, lease_expires_at = NULL
                FROM state
                WHERE e.id = \(id) AND e.status = 'running' AND e.lease_owner = \(owner)
                RETURNING e.status, e.not_before, e.error,
                          -- The schedule's last run before this one (the statement's snapshot: before the trigger of
                          -- 0012 moves it on), so a success after a success costs the owner alerts no statement.
                          (SELECT s.last_status FROM schedules s WHERE s.id = e.schedule_id) AS previous_status
            )
            SELECT status, not_before, error, previous_status FROM ended
            """
    }

    /// `finishQuery` for a run delivered without `startDelivering`: one update of the execution records its query's
    /// figures and its end at once, and its delivery and artifact rows are inserted only when that update found
    /// the lease (a worker that lost it records nothing, and removes its files). Its status comes from the outcomes
    /// alone: a first attempt has no other delivery.
    static func freshFinishQuery(_ finishing: Finish, _ fresh: Fresh) -> PostgresQuery {
        let id = finishing.id
        var ids: [UUID] = [], destinations: [UUID] = [], channels: [String] = [], recipients: [String] = []
        var kinds: [String] = [], texts: [String] = [], times: [Double] = []
        let targets = Dictionary(fresh.deliveries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for outcome in finishing.outcomes {
            guard let target = targets[outcome.deliveryID], let destination = target.destinationID else { continue }
            ids.append(outcome.deliveryID)
            destinations.append(destination)
            channels.append(target.kind)
            recipients.append(target.recipient)
            let (kind, text, at) = outcome.result.columns
            kinds.append(kind); texts.append(text); times.append(at)
        }
        let files = fresh.artifacts
        return """
            WITH \(fragment: releasingSlot(fresh.releasing)), o AS (
                SELECT * FROM unnest(\(ids)::uuid[], \(destinations)::uuid[], \(channels)::text[], \(recipients)::text[],
                                     \(kinds)::text[], \(texts)::text[], \(times)::float8[])
                     WITH ORDINALITY AS o(id, destination_id, channel, recipient, kind, text, at, n)
            ), state AS (
                SELECT count(*) AS total, count(*) FILTER (WHERE kind = 'succeeded') AS ok,
                       count(*) FILTER (WHERE kind IN ('failed', 'postponed')) AS waiting,
                       min(to_timestamp(at)) FILTER (WHERE kind IN ('failed', 'postponed') AND at >= 0) AS next_at,
                       (array_agg(text ORDER BY n) FILTER (WHERE kind = 'dead'))[1] AS dead_error
                FROM o
            ), ended AS (
                UPDATE executions e
                SET \(fragment: Self.endedFromState),
                    row_count = coalesce(\(finishing.rowCount), e.row_count), truncated = e.truncated OR \(fresh.truncated),
                    parameters = coalesce(\(fresh.parameters)::jsonb, e.parameters), preview = coalesce(\(fresh.preview)::jsonb, e.preview),
                    result_sha256 = coalesce(\(fresh.resultDigest)::bytea, e.result_sha256),
                    step_timings = e.step_timings || \(Self.timingsJSON(finishing.timings))::jsonb,
                    lease_owner = NULL, lease_expires_at = NULL
                FROM state
                WHERE e.id = \(id) AND e.status = 'running' AND e.lease_owner = \(finishing.owner)
                RETURNING e.status, e.not_before, e.error,
                          (SELECT s.last_status FROM schedules s WHERE s.id = e.schedule_id) AS previous_status
            ), art AS (
                INSERT INTO artifacts (id, execution_id, format, file_name, storage_path, byte_count, sha256)
                SELECT a.id, \(id), a.format, a.file_name, a.storage_path, a.byte_count, decode(a.sha256, 'hex')
                FROM ended, unnest(\(files.map(\.id))::uuid[], \(files.map(\.file.format))::text[], \(files.map(\.file.fileName))::text[],
                                   \(files.map(\.file.storagePath))::text[], \(files.map { Int64($0.file.byteCount) })::bigint[],
                                   \(files.map(\.file.sha256Hex))::text[])
                     AS a(id, format, file_name, storage_path, byte_count, sha256)
            ), recorded AS (
                INSERT INTO deliveries (id, execution_id, destination_id, channel, recipient, idempotency_key, status, attempts,
                                        delivered_at, next_attempt_at, last_error, detail)
                SELECT o.id, \(id), o.destination_id, o.channel, o.recipient, \(id)::text || ':' || o.destination_id::text || ':' || o.recipient,
                       CASE WHEN o.kind = 'postponed' THEN 'pending' ELSE o.kind END,
                       CASE WHEN o.kind = 'postponed' THEN 0 ELSE 1 END,
                       CASE WHEN o.kind = 'succeeded' THEN clock_timestamp() END,
                       CASE WHEN o.at < 0 THEN NULL ELSE to_timestamp(o.at) END,
                       CASE WHEN o.kind = 'succeeded' THEN NULL ELSE o.text END,
                       CASE WHEN o.kind = 'succeeded' THEN o.text END
                FROM ended, o
            )
            -- One row always: it evaluates the release, whether or not the lease held (status NULL when it did not).
            SELECT (SELECT ok FROM released) AS released, ended.status, ended.not_before, ended.error, ended.previous_status,
                   woken.id AS woken_id, woken.priority AS woken_priority
            FROM (SELECT 1) one LEFT JOIN ended ON true LEFT JOIN woken ON true
            """
    }

    private func ended(_ rows: [PostgresRow], woke: [PostgresRow]) throws -> Ended? {
        // A run waiting behind this one's schedule was woken: the schedulers' reconcilers put it on a stream.
        if !woke.isEmpty { try connection.notify(ScheduleRepository.changeChannel, payload: "execution") }
        guard let row = rows.first else { return nil }
        guard let status = try row.decode("status", as: String?.self) else {
            // A fresh finish that found the lease lost still freed its slot: the run that woke goes to the reconcilers.
            try ExecutionRepository(connection: connection).releaseTaken(try Self.wokenRun(row).map(\.id))
            return nil
        }
        // A retry is waiting: wake the schedulers, so they sleep until it rather than past it.
        if status == "queued" && woke.isEmpty { try connection.notify(ScheduleRepository.changeChannel, payload: "execution") }
        return Ended(status: status, notBefore: try row.decode("not_before", as: Date?.self), error: try row.decode("error", as: String?.self),
                     previousStatus: try row.decode("previous_status", as: String?.self), woken: try Self.wokenRun(row))
    }

    /// The run a fresh finish woke, from its row (none on the general path's rows).
    private static func wokenRun(_ row: PostgresRow) throws -> [WokenRun] {
        guard row.columns.contains("woken_id"), let id = try row.decode("woken_id", as: UUID?.self) else { return [] }
        return [WokenRun(id: id, priority: try row.decode("woken_priority"))]
    }

    /// Ends an attempt that failed before delivering (the query failed, or workers kept crashing on it).
    /// `parameters`: the values it resolved, when it got that far.
    @discardableResult
    public func fail(_ id: UUID, owner: String, error: String, timings: [String: Double], deadLetter: Bool = false,
                     parameters: String? = nil) throws -> Bool {
        try connection.transaction {
            // The schedule's lock before any row (as in `finishAndWakeQueries`): the same order everywhere, no deadlock.
            try connection.execute(Self.scheduleLockQuery(of: id))
            let updated = try connection.execute("""
                UPDATE executions
                SET status = 'failed', step = NULL, finished_at = clock_timestamp(), error = \(error),
                    parameters = coalesce(\(parameters)::jsonb, parameters),
                    step_timings = step_timings || \(Self.timingsJSON(timings))::jsonb, lease_owner = NULL, lease_expires_at = NULL,
                    dead_lettered_at = CASE WHEN \(deadLetter) THEN clock_timestamp() END
                WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
                """)
            guard updated == 1 else { return false }
            if try wakeBehindSchedule(after: id) { try connection.notify(ScheduleRepository.changeChannel, payload: "execution") }
            return true
        }
    }

    /// `{"deliver":0.0012,"query":0.003}`: a run's step timings in seconds, written by hand (`JSONText`) because
    /// Foundation's encoder cost more than the rest of building a finish.
    static func timingsJSON(_ timings: [String: Double]) -> String {
        var bytes: [UInt8] = [0x7B]
        for key in timings.keys.sorted() {
            guard let seconds = timings[key], seconds.isFinite else { continue }
            if bytes.count > 1 { bytes.append(0x2C) }
            JSONText.appendString(key, to: &bytes)
            bytes.append(0x3A)
            bytes.append(contentsOf: Array("\(seconds)".utf8))
        }
        bytes.append(0x7D)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `{a,b}` (PostgreSQL's uuid[] text) → ids.
    static func uuids(_ text: String) -> [UUID] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { UUID(uuidString: String($0)) }
    }
}
