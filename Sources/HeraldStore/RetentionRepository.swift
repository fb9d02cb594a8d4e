import Foundation
import Postgres

/// The SQL of retention: the cleaner's advisory lock, its scan for expired runs, their deletion and the record of
/// each pass. A run expires when it finished (a terminal status), is not pinned and finished longer ago than its
/// schedule's `retention_days`, or the default when the schedule sets none (an ad-hoc run has no schedule: the
/// default). A schedule's newest delivered run with a digest is kept too: `if_changed` compares with it.
public struct RetentionRepository {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A session-level advisory key no other Herald lock uses: the others are `hashtext` values (32-bit) or
    /// two-key locks. "HERALDRT" in ASCII.
    static let lockKey: Int64 = 0x4845_5241_4C44_5254

    /// Takes the cleaner's lock for this session if no other session holds it. It lasts until `unlock` or the
    /// session ends, so a cleaner that dies never blocks the next one.
    public func tryLock() throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey)::bigint) AS locked")[0].decode("locked")
    }

    public func unlock() throws {
        _ = try connection.query("SELECT pg_advisory_unlock(\(Self.lockKey)::bigint)")
    }

    /// The shortest period any run can have (the default or a schedule's own), which bounds the scan; nil when
    /// nothing can expire (no default, no schedule with a period).
    public func shortestPeriod(defaultDays: Int?) throws -> Int? {
        try connection.query("""
            SELECT least(\(defaultDays)::int, (SELECT min(retention_days) FROM schedules)) AS days
            """)[0].decode("days", as: Int?.self)
    }

    /// Where a batch stopped, as `(finished_at, id)` in text: the next batch starts after it.
    public struct Cursor: Sendable, Equatable {
        let finishedAt: String
        let id: UUID
    }

    /// One expired run's files, with whether another row (one that stays) names the same path.
    public struct ExpiredFile: Sendable, Equatable {
        public let executionID: UUID
        public let storagePath: String
        public let byteCount: Int64
        public let sharedWithKeptRow: Bool
    }

    /// The next `limit` expired runs after `cursor`, oldest first, locked (`FOR UPDATE SKIP LOCKED`) until the
    /// caller's transaction ends, so a resend or a pin arriving meanwhile waits and then finds nothing to change;
    /// a run that is locked (being changed) is left to the next pass. Call inside a transaction.
    public func lockExpired(defaultDays: Int?, shortestDays: Int, after cursor: Cursor?, limit: Int) throws -> (ids: [UUID], next: Cursor?) {
        let rows = try connection.query("""
            SELECT e.id, \(unsafeRaw: instantSortKey("e.finished_at")) AS finished_key
            FROM executions e LEFT JOIN schedules s ON s.id = e.schedule_id
            WHERE e.finished_at IS NOT NULL AND NOT e.pinned
              AND e.finished_at < now() - make_interval(days => \(shortestDays)::int)
              AND (\(cursor?.finishedAt)::timestamptz IS NULL OR (e.finished_at, e.id) > (\(cursor?.finishedAt)::timestamptz, \(cursor?.id)::uuid))
              AND e.status IN ('succeeded', 'partial', 'failed', 'skipped', 'cancelled')
              AND e.finished_at < now() - make_interval(days => coalesce(s.retention_days, \(defaultDays)::int))
              AND NOT (e.schedule_id IS NOT NULL AND e.status IN ('succeeded', 'partial') AND e.result_sha256 IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM executions n
                                       WHERE n.schedule_id = e.schedule_id AND n.status IN ('succeeded', 'partial')
                                         AND n.result_sha256 IS NOT NULL AND (n.finished_at, n.id) > (e.finished_at, e.id)))
            ORDER BY e.finished_at, e.id
            LIMIT \(limit)
            FOR UPDATE OF e SKIP LOCKED
            """)
        let ids: [UUID] = try rows.map { try $0.decode("id") }
        let next = try rows.last.map { Cursor(finishedAt: try $0.decode("finished_key"), id: try $0.decode("id")) }
        return (ids, next)
    }

    /// The artifact files of these runs.
    public func files(of ids: [UUID]) throws -> [ExpiredFile] {
        guard !ids.isEmpty else { return [] }
        return try connection.query("""
            SELECT a.execution_id, a.storage_path, a.byte_count,
                   EXISTS (SELECT 1 FROM artifacts o WHERE o.storage_path = a.storage_path AND o.execution_id <> ALL(\(ids)::uuid[])) AS shared
            FROM artifacts a WHERE a.execution_id = ANY(\(ids)::uuid[])
            ORDER BY a.execution_id, a.storage_path
            """).map {
            ExpiredFile(executionID: try $0.decode("execution_id"), storagePath: try $0.decode("storage_path"),
                        byteCount: try $0.decode("byte_count"), sharedWithKeptRow: try $0.decode("shared"))
        }
    }

    /// Deletes the runs; their artifacts, deliveries, notifications and alerts go with them (`ON DELETE CASCADE`),
    /// and the schedules' last-run columns move to the newest remaining run (migration 0012's trigger).
    /// Returns how many runs and artifact rows went.
    public func delete(_ ids: [UUID]) throws -> (executions: Int, artifacts: Int) {
        guard !ids.isEmpty else { return (0, 0) }
        let artifacts: Int = try connection.query("""
            SELECT count(*)::int AS n FROM artifacts WHERE execution_id = ANY(\(ids)::uuid[])
            """)[0].decode("n")
        let executions = try connection.execute("DELETE FROM executions WHERE id = ANY(\(ids)::uuid[])")
        return (executions, artifacts)
    }

    /// Writes the start of a pass and returns its id.
    public func startPass(defaultDays: Int?) throws -> Int64 {
        try connection.query("INSERT INTO retention_passes (default_days) VALUES (\(defaultDays)::int) RETURNING id")[0].decode("id")
    }

    public func finishPass(_ id: Int64, _ totals: RetentionTotals) throws {
        try connection.execute("""
            UPDATE retention_passes
            SET finished_at = now(), batches = \(totals.batches), executions_removed = \(totals.executions),
                artifacts_removed = \(totals.artifacts), files_removed = \(totals.files), bytes_removed = \(totals.bytes),
                errors = \(totals.errors)::text[]
            WHERE id = \(id)
            """)
    }

    /// The newest passes first.
    public func recentPasses(limit: Int = 20) throws -> [RetentionPassRecord] {
        try connection.query("""
            SELECT id, started_at, finished_at, default_days, batches, executions_removed, artifacts_removed, files_removed,
                   bytes_removed, array_to_json(errors)::text AS errors
            FROM retention_passes ORDER BY started_at DESC, id DESC LIMIT \(limit)
            """).map(RetentionPassRecord.init(row:))
    }
}

/// What a cleaning pass removed, and the problems it met (each a path and a reason; never a secret).
public struct RetentionTotals: Sendable, Equatable {
    public var batches = 0
    public var executions = 0
    public var artifacts = 0
    public var files = 0
    public var bytes: Int64 = 0
    public var errors: [String] = []

    public init() {}
}

/// One row of `retention_passes`.
public struct RetentionPassRecord: Sendable, Equatable {
    public let id: Int64
    public let startedAt: Date
    public let finishedAt: Date?
    public let defaultDays: Int?
    public let totals: RetentionTotals

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        startedAt = try row.decode("started_at")
        finishedAt = try row.decode("finished_at", as: Date?.self)
        defaultDays = try row.decode("default_days", as: Int?.self)
        var totals = RetentionTotals()
        totals.batches = try row.decode("batches")
        totals.executions = try row.decode("executions_removed")
        totals.artifacts = try row.decode("artifacts_removed")
        totals.files = try row.decode("files_removed")
        totals.bytes = try row.decode("bytes_removed")
        totals.errors = try row.decodeJSON("errors", as: [String].self)
        self.totals = totals
    }
}
