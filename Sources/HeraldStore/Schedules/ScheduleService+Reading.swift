import Foundation
import HeraldCore
import Postgres

extension ScheduleService {
    /// The columns of a `ScheduleRecord`, with the report's name and the shares.
    static let selectRecord: PostgresQuery = """
        SELECT \(fragment: columns)
        FROM schedules s
        JOIN reports r ON r.id = s.report_id
        LEFT JOIN users ou ON ou.id = s.owner_id
        """

    /// Whom a schedule is shared with, as the record's `sharedWith`.
    static let sharedWith: PostgresQuery = """
        (SELECT coalesce(string_agg(sh.user_id::text, ',' ORDER BY sh.created_at), '') FROM schedule_shares sh
         WHERE sh.schedule_id = s.id)
        """

    /// `ScheduleRecord.version`: the schedule row's `xmin` and `ctid`. A change of what the record shows from other
    /// tables (its shares, its report's name, its owner's alert settings) writes a new schedule row version
    /// (migration 0031), so they need no part of their own.
    static let version: PostgresQuery = "s.xmin::text || '.' || s.ctid::text"

    static let columns: PostgresQuery = """
        s.id, s.name, s.report_id, r.name AS report_name, s.recurrence::text AS recurrence, s.cron,
               s.parameters::text AS parameters, array_to_string(s.destination_ids, ',') AS destination_ids,
               array_to_string(s.formats, ',') AS formats, s.export_options::text AS export_options, s.filename_pattern, s.naming, s.misfire_policy, s.overlap_policy,
               s.jitter_seconds, s.priority::int AS priority, s.enabled, s.pause_note, s.broken_reason, s.owner_id,
               s.next_run_at, s.created_at, s.updated_at, \(unsafeRaw: instantSortKey("s.created_at")) AS created_key,
               \(fragment: sharedWith) AS shared_with, \(fragment: version) AS version,
               s.last_execution_id AS last_id, s.last_status, s.last_finished_at, s.delivery_condition::text AS delivery_condition,
               s.email_subject, s.email_body_md, s.distribution_template_id, s.retention_days, s.pause_after_failures, s.deadline_minutes,
               \(fragment: AlertSettingsRepository.columns("s", prefix: "")), \(fragment: AlertSettingsRepository.columns("ou", prefix: "owner_"))
        """

    /// A schedule whose last finished run (kept on the row by migration 0012's triggers) failed, in part or whole.
    static let failing: PostgresQuery = "s.last_status IN ('failed', 'partial')"

    static func record(_ row: PostgresRow) throws -> ScheduleRecord {
        let (recurrence, description) = try StoredRecurrences.decode(try row.decode("recurrence"))
        let parameters: String = try row.decode("parameters")
        let lastID = try row.decode("last_id", as: UUID?.self)
        return ScheduleRecord(
            id: try row.decode("id"), name: try row.decode("name"), reportID: try row.decode("report_id"),
            reportName: try row.decode("report_name"), recurrence: recurrence, cron: try row.decode("cron", as: String?.self),
            description: description,
            parameters: parameters == "{}" ? [:] : (try? row.decodeJSON("parameters", as: [String: ParameterInput].self)) ?? [:],
            destinationIDs: try ids(row.decode("destination_ids")), formats: words(try row.decode("formats")),
            exportOptions: try row.decodeJSON("export_options", as: ExportOptions.self),
            filenamePattern: try row.decode("filename_pattern"), naming: try row.decode("naming"),
            misfirePolicy: try row.decode("misfire_policy"), overlapPolicy: try row.decode("overlap_policy"),
            jitterSeconds: try row.decode("jitter_seconds"), priority: try row.decode("priority"),
            paused: !(try row.decode("enabled", as: Bool.self)), pauseNote: try row.decode("pause_note"),
            brokenReason: try row.decode("broken_reason", as: String?.self), sharedWith: try ids(row.decode("shared_with")),
            deliveryCondition: try row.decodeJSON("delivery_condition", as: DeliveryCondition.self),
            emailSubject: try row.decode("email_subject"), emailBodyMd: try row.decode("email_body_md"),
            templateID: try row.decode("distribution_template_id", as: UUID?.self),
            retentionDays: try row.decode("retention_days", as: Int?.self),
            pauseAfterFailures: try row.decode("pause_after_failures", as: Int?.self),
            deadlineMinutes: try row.decode("deadline_minutes", as: Int?.self),
            alerts: try AlertSettingsRepository.settings(row), ownerAlerts: try AlertSettingsRepository.settings(row, prefix: "owner_"),
            ownerID: try row.decode("owner_id", as: UUID?.self), nextRunAt: try row.decode("next_run_at", as: Date?.self),
            lastRun: try lastID.map { ScheduleRecord.LastRun(id: $0, status: try row.decode("last_status"),
                                                             finishedAt: try row.decode("last_finished_at", as: Date?.self)) },
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"), createdKey: try row.decode("created_key"),
            version: try row.decode("version"))
    }

    /// A uuid[] column read as `array_to_string(…, ',')` (no JSON to decode; uuids hold no commas).
    static func ids(_ text: String) throws -> [UUID] {
        try words(text).map {
            guard let id = try? UUID(postgresText: $0) else { throw PostgresError(kind: .decoding, message: "a stored id is not a uuid") }
            return id
        }
    }

    /// A text[] column of plain words (formats) read as `array_to_string(…, ',')`.
    static func words(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ",").map(String.init)
    }

    /// One schedule the actor may see; `NotFound` otherwise.
    public func get(_ id: UUID, actor: Actor) throws -> ScheduleRecord {
        guard let row = try connection.query("\(fragment: Self.selectRecord) WHERE s.id = \(id) AND \(fragment: Visibility.schedule("s", actor))").first else {
            throw NotFound("schedule")
        }
        return try Self.record(row)
    }

    /// The schedules the actor may see, newest first, `limit` at a time after the cursor's (created_at, id);
    /// `search` matches the schedule's or the report's name.
    /// `countingFailing`: also count the failing ones with the same search (`failingCount`), in the same round trip.
    public func list(filter: ScheduleFilter = .all, search: String = "", limit: Int = 50, after: [String]? = nil,
                     countingFailing: Bool = false, actor: Actor) throws -> SchedulePage {
        let term = search.trimmingCharacters(in: .whitespaces)
        let pattern = LikePattern.containing(term)
        // Without a search the page needs no report: every schedule has one (a foreign key, NOT NULL).
        let matches: PostgresQuery = term.isEmpty ? "true" : "(s.name ILIKE \(pattern) OR r.name ILIKE \(pattern))"
        let reports: PostgresQuery = term.isEmpty ? "" : "JOIN reports r ON r.id = s.report_id"
        let filtered: PostgresQuery
        switch filter {
        case .all: filtered = "true"
        case .active: filtered = "s.enabled"
        case .paused: filtered = "NOT s.enabled"
        case .failing: filtered = Self.failing
        }
        var keyset: PostgresQuery = "true"
        if let key = try Keyset.after(after, key: .instant) {
            keyset = "(s.created_at, s.id) < (\(key.key)::timestamptz, \(key.id))"
        }
        // The page is chosen first, walking an index in (created_at, id) order, as ids and row versions only; only
        // the rows not remembered at their version (`StoredScheduleRecords`) are then read in full. A non-admin's
        // page is the newest of their own and of those shared with them: two index walks, each stopping after a
        // page, instead of an OR that makes PostgreSQL sort every visible schedule.
        let rest: PostgresQuery = "\(fragment: matches) AND \(fragment: filtered) AND \(fragment: keyset)"
        let order: PostgresQuery = "ORDER BY s.created_at DESC, s.id DESC LIMIT \(limit + 1)"
        let chosen: PostgresQuery = "s.id, s.created_at, \(fragment: Self.version) AS version"
        let page: PostgresQuery
        if let user = actor.userID, !actor.isAdmin {
            page = """
                SELECT * FROM (
                    (SELECT \(fragment: chosen) FROM schedules s \(fragment: reports)
                     WHERE s.owner_id = \(user) AND \(fragment: rest) \(fragment: order))
                    UNION ALL
                    (SELECT \(fragment: chosen) FROM schedules s JOIN schedule_shares sh ON sh.schedule_id = s.id AND sh.user_id = \(user)
                     \(fragment: reports)
                     WHERE s.owner_id IS DISTINCT FROM \(user) AND \(fragment: rest) \(fragment: order))
                ) s \(fragment: order)
                """
        } else {
            page = "SELECT \(fragment: chosen) FROM schedules s \(fragment: reports) WHERE \(fragment: rest) \(fragment: order)"
        }
        let versioned: PostgresQuery = """
            SELECT s.id, s.version, (SELECT pg_postmaster_start_time()::text) AS server FROM (\(fragment: page)) s
            ORDER BY s.created_at DESC, s.id DESC
            """
        let rows: [PostgresRow]
        var failing: Int?
        do {
            if countingFailing {
                let results = try connection.pipelinedQueries([versioned, Self.failingQuery(term: term, actor: actor)])
                rows = results[0]
                failing = try results[1].first?.decode("failing")
            } else {
                rows = try connection.query(versioned)
            }
        } catch let error as PostgresError where after != nil && !error.isUniqueViolation {
            throw ValidationError(field: "cursor", message: "is not a cursor this server gave out")
        }
        let versions = try rows.prefix(limit).map { (id: try $0.decode("id", as: UUID.self), version: try $0.decode("version", as: String.self)) }
        let server: String = try rows.first?.decode("server") ?? ""
        var items = StoredScheduleRecords.records(versions, server: server)
        let missing = zip(versions, items).filter { $0.1 == nil }.map(\.0.id)
        if !missing.isEmpty {
            let read = try connection.query("\(fragment: Self.selectRecord) WHERE s.id = ANY(\(missing)::uuid[])").map(Self.record)
            StoredScheduleRecords.remember(read, server: server)
            let byID = Dictionary(read.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            items = zip(versions, items).map { $1 ?? byID[$0.id] }
        }
        // A row deleted between the two reads is left out.
        let records = items.compactMap { $0 }
        let next = rows.count > limit ? records.last.map { Keyset.parts($0.createdKey, $0.id) } : nil
        return SchedulePage(items: records, next: next, failing: failing)
    }

    /// How many of the schedules the actor sees are failing, with the same search: the one count the list's tabs
    /// show. It walks only failing schedules (`schedules_failing_idx`); counting every visible schedule for the
    /// other tabs would cost each page view a scan of all of them.
    public func failingCount(search: String = "", actor: Actor) throws -> Int {
        try connection.query(Self.failingQuery(term: search.trimmingCharacters(in: .whitespaces), actor: actor))[0].decode("failing")
    }

    static func failingQuery(term: String, actor: Actor) -> PostgresQuery {
        let pattern = LikePattern.containing(term)
        let search: PostgresQuery = term.isEmpty
            ? "true" : "(s.name ILIKE \(pattern) OR EXISTS (SELECT FROM reports r WHERE r.id = s.report_id AND r.name ILIKE \(pattern)))"
        return """
            SELECT count(*)::int AS failing FROM schedules s
            WHERE \(fragment: Self.failing) AND \(fragment: Visibility.schedule("s", actor)) AND \(fragment: search)
            """
    }

    /// The schedule's runs, newest slot first, with their deliveries and artifacts; keyset on (scheduled_for, id).
    public func history(_ id: UUID, limit: Int = 20, after: [String]? = nil, actor: Actor) throws -> (runs: [ScheduleRun], next: [String]?) {
        _ = try get(id, actor: actor)
        var keyset: PostgresQuery = "true"
        if let key = try Keyset.after(after, key: .instant) {
            keyset = "(e.scheduled_for, e.id) < (\(key.key)::timestamptz, \(key.id))"
        }
        let rows = try connection.query("""
            SELECT e.id, e.scheduled_for, \(unsafeRaw: instantSortKey("e.scheduled_for")) AS slot_key, e.trigger, e.status, e.attempts, e.started_at,
                   e.finished_at, e.row_count, e.truncated, e.error, e.skip_reason, coalesce(e.parameters, '{}')::text AS parameters,
                   e.superseded_at IS NOT NULL AS superseded
            FROM executions e WHERE e.schedule_id = \(id) AND \(fragment: keyset)
            ORDER BY e.scheduled_for DESC, e.id DESC LIMIT \(limit + 1)
            """)
        let page = Array(rows.prefix(limit))
        let ids = try page.map { try $0.decode("id", as: UUID.self) }
        var deliveries: [UUID: [ScheduleRun.Delivery]] = [:]
        var artifacts: [UUID: [ScheduleRun.Artifact]] = [:]
        if !ids.isEmpty {
            for row in try connection.query("""
                SELECT dl.id, dl.execution_id, dl.destination_id, d.name AS destination_name, dl.channel, dl.recipient, dl.status,
                       dl.attempts, dl.last_error, dl.delivered_at
                FROM deliveries dl LEFT JOIN destinations d ON d.id = dl.destination_id
                WHERE dl.execution_id = ANY(\(ids)::uuid[]) ORDER BY dl.created_at, dl.id
                """) {
                deliveries[try row.decode("execution_id"), default: []].append(ScheduleRun.Delivery(
                    id: try row.decode("id"), destinationID: try row.decode("destination_id", as: UUID?.self),
                    destinationName: try row.decode("destination_name", as: String?.self), channel: try row.decode("channel"),
                    recipient: try row.decode("recipient"), status: try row.decode("status"), attempts: try row.decode("attempts"),
                    lastError: try row.decode("last_error", as: String?.self), deliveredAt: try row.decode("delivered_at", as: Date?.self)))
            }
            for row in try connection.query("""
                SELECT id, execution_id, format, file_name, byte_count FROM artifacts WHERE execution_id = ANY(\(ids)::uuid[])
                ORDER BY created_at, id
                """) {
                artifacts[try row.decode("execution_id"), default: []].append(ScheduleRun.Artifact(
                    id: try row.decode("id"), format: try row.decode("format"), fileName: try row.decode("file_name"),
                    byteCount: try row.decode("byte_count")))
            }
        }
        let runs = try page.map { row -> ScheduleRun in
            let runID: UUID = try row.decode("id")
            return ScheduleRun(id: runID, scheduledFor: try row.decode("scheduled_for"), trigger: try row.decode("trigger"),
                               status: try row.decode("status"), attempts: try row.decode("attempts"),
                               startedAt: try row.decode("started_at", as: Date?.self), finishedAt: try row.decode("finished_at", as: Date?.self),
                               rowCount: try row.decode("row_count", as: Int64?.self), truncated: try row.decode("truncated"),
                               error: try row.decode("error", as: String?.self),
                               parameters: try row.decodeJSON("parameters", as: [String: ParameterInput].self),
                               skipReason: try row.decode("skip_reason", as: String?.self), superseded: try row.decode("superseded"),
                               deliveries: deliveries[runID] ?? [], artifacts: artifacts[runID] ?? [])
        }
        let next = rows.count > limit ? try page.last.map { Keyset.parts(try $0.decode("slot_key"), try $0.decode("id")) } : nil
        return (runs, next)
    }

    /// The statuses of the last `count` finished runs, oldest first (the page's sparkline).
    public func recentOutcomes(_ id: UUID, count: Int = 30, actor: Actor) throws -> [String] {
        _ = try get(id, actor: actor)
        return try connection.query("""
            SELECT status FROM (SELECT status, finished_at, id FROM executions WHERE schedule_id = \(id) AND finished_at IS NOT NULL
                                ORDER BY finished_at DESC, id DESC LIMIT \(count)) t ORDER BY finished_at, id
            """).map { try $0.decode("status") }
    }

    /// The latest finished run that failed or was partial (what "re-send failed deliveries" re-sends).
    public func latestFailedRun(_ id: UUID, actor: Actor) throws -> UUID? {
        _ = try get(id, actor: actor)
        return try connection.query("""
            SELECT id FROM executions WHERE schedule_id = \(id) AND status IN ('failed', 'partial')
            ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1
            """).first?.decode("id", as: UUID.self)
    }

    /// The reports the actor may schedule: their own, all for an admin.
    public func reportChoices(actor: Actor) throws -> [(id: UUID, name: String)] {
        try connection.query("SELECT r.id, r.name FROM reports r WHERE \(fragment: Visibility.owned("r", actor)) ORDER BY lower(r.name), r.id LIMIT 500").map {
            (try $0.decode("id"), try $0.decode("name"))
        }
    }

    /// The parameters a report the actor may use declares (the wizard's parameters step asks for their values).
    public func reportParameters(_ reportID: UUID, actor: Actor) throws -> [ReportParameter] {
        guard let row = try connection.query("""
            SELECT r.parameters::text AS parameters FROM reports r WHERE r.id = \(reportID) AND \(fragment: Visibility.owned("r", actor))
            """).first else { throw NotFound("report") }
        return try row.decodeJSON("parameters", as: [ReportParameter].self)
    }

    /// The destinations the actor may deliver to: their own, the shared ones (no owner), all for an admin.
    public func destinationChoices(actor: Actor) throws -> [(id: UUID, name: String, kind: String)] {
        try connection.query("""
            SELECT d.id, d.name, d.kind FROM destinations d WHERE d.owner_id IS NULL OR \(fragment: Visibility.owned("d", actor))
            ORDER BY lower(d.name), d.id LIMIT 500
            """).map { (try $0.decode("id"), try $0.decode("name"), try $0.decode("kind")) }
    }
}
