import Foundation
import HeraldCore
import Postgres

/// Reports, for the CLI, pages and API alike. Creators make reports and manage their own; admins (and the CLI) all;
/// viewers are kept out of reports altogether. A report someone else owns is `NotFound` to a creator.
public struct ReportService {
    let connection: PostgresConnection
    /// The largest row limit a report may set (`HERALD_MAX_ROW_LIMIT`, the admin's).
    let maximumRowLimit: Int

    public init(connection: PostgresConnection, maximumRowLimit: Int = ReportService.defaultMaximumRowLimit) {
        self.connection = connection
        self.maximumRowLimit = maximumRowLimit
    }

    public static let defaultRowLimit = 1_000_000
    public static let defaultMaximumRowLimit = 10_000_000

    public static let defaultMaxDurationSeconds = ReportRepository.defaultMaxDurationSeconds
    public static let maximumDescriptionLength = 20_000
    public static let maximumSQLLength = 100_000
    public static let maximumParameters = 50

    public func list(actor: Actor, after: [String]? = nil, limit: Int = 50) throws -> CatalogPage<Report> {
        try checkCreator(actor)
        let key = try Keyset.after(after, key: .text)
        let rows = try connection.query("""
            \(fragment: Self.select)
            WHERE \(fragment: Visibility.owned("r", actor))
              AND (\(key == nil) OR (r.name, r.id) > (\(key?.key ?? ""), \(key?.id ?? UUID())::uuid))
            ORDER BY r.name, r.id LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.record)
        return CatalogPage(items: items, nextAfter: rows.count > limit ? items.last.map { Keyset.parts($0.name, $0.id) } : nil)
    }

    public func get(_ id: UUID, actor: Actor) throws -> Report {
        try checkCreator(actor)
        guard let row = try connection.query("\(fragment: Self.select) WHERE r.id = \(id) AND \(fragment: Visibility.owned("r", actor))").first
        else { throw NotFound("report") }
        return try Self.record(row)
    }

    /// A new report owned by the actor (`ownerID` lets the CLI name one; nil from the CLI means no owner).
    public func create(_ input: ReportInput, actor: Actor, ownerID: UUID? = nil) throws -> Report {
        try checkCreator(actor)
        let valid = try validate(input, keeping: nil)
        let owner = actor.principal == nil ? ownerID : actor.userID
        return try atomically(connection) {
            let id: UUID = try connection.query("""
                INSERT INTO reports (name, data_source_id, sql, description_md, owner_id, max_duration_seconds, row_limit, parameters)
                VALUES (\(valid.name), \(valid.dataSourceID), \(valid.sql), \(valid.descriptionMd), \(owner), \(valid.maxDurationSeconds),
                        \(valid.rowLimit), \(PostgresJSON(valid.parameters))::jsonb)
                RETURNING id
                """)[0].decode("id")
            try keepVersion(id, actor: actor)
            let created = try get(id, actor: actor)
            try audit(actor, "report.create", id, ["after": Self.describe(created)])
            return created
        }
    }

    /// Changes what `input` names (nil keeps what is stored).
    /// `replacing` (an API PUT): a missing field is missing, not kept.
    /// A change of the SQL or the parameters is a new version; one that would leave a schedule's values unusable
    /// (a parameter it sets removed or retyped, a new required one it lacks) is refused with those schedules named,
    /// so no schedule meets it as a failed run later.
    public func update(_ id: UUID, _ input: ReportInput, actor: Actor, replacing: Bool = false) throws -> Report {
        let before = try get(id, actor: actor)
        let valid = try validate(input, keeping: replacing ? nil : before)
        return try atomically(connection) {
            let changesQuery = valid.sql != before.sql || valid.parameters != before.parameters
            if valid.parameters != before.parameters { try checkSchedulesStillFit(id, valid.parameters) }
            try connection.execute("""
                UPDATE reports SET name = \(valid.name), data_source_id = \(valid.dataSourceID), sql = \(valid.sql),
                    description_md = \(valid.descriptionMd), max_duration_seconds = \(valid.maxDurationSeconds),
                    row_limit = \(valid.rowLimit), parameters = \(PostgresJSON(valid.parameters))::jsonb,
                    version = version + \(changesQuery ? 1 : 0), updated_at = now()
                WHERE id = \(id)
                """)
            if changesQuery { try keepVersion(id, actor: actor) }
            let after = try get(id, actor: actor)
            try audit(actor, "report.update", id, ["before": Self.describe(before), "after": Self.describe(after)])
            return after
        }
    }

    /// Refused (409) while schedules run it: their rows would go with it (`ON DELETE CASCADE`), history included.
    public func delete(_ id: UUID, actor: Actor) throws {
        let before = try get(id, actor: actor)
        try atomically(connection) {
            let schedules: Int = try connection.query("SELECT count(*)::int AS n FROM schedules WHERE report_id = \(id)")[0].decode("n")
            guard schedules == 0 else {
                throw Conflict("\(before.name) is used by \(schedules) schedule\(schedules == 1 ? "" : "s"); delete them first.")
            }
            try connection.execute("DELETE FROM reports WHERE id = \(id)")
            try audit(actor, "report.delete", id, ["before": Self.describe(before)])
        }
    }

    /// How many schedules use the report (the delete confirmation page says so before asking).
    public func scheduleCount(_ id: UUID, actor: Actor) throws -> Int {
        _ = try get(id, actor: actor)
        return try connection.query("SELECT count(*)::int AS n FROM schedules WHERE report_id = \(id)")[0].decode("n")
    }

    /// The versions of a report's SQL and parameters, newest first.
    public func versions(_ id: UUID, actor: Actor) throws -> [ReportVersion] {
        _ = try get(id, actor: actor)
        return try connection.query("""
            SELECT v.version, v.sql, v.parameters::text AS parameters, v.created_at, u.email AS created_by
            FROM report_versions v LEFT JOIN users u ON u.id = v.created_by
            WHERE v.report_id = \(id) ORDER BY v.version DESC
            """).map { row in
            ReportVersion(version: try row.decode("version"), sql: try row.decode("sql"),
                          parameters: try row.decodeJSON("parameters", as: [ReportParameter].self),
                          createdBy: try row.decode("created_by", as: String?.self), createdAt: try row.decode("created_at"))
        }
    }

    /// Copies the report's current SQL and parameters into `report_versions` under its current version.
    private func keepVersion(_ id: UUID, actor: Actor) throws {
        try connection.execute("""
            INSERT INTO report_versions (report_id, version, sql, parameters, created_by)
            SELECT id, version, sql, parameters, \(actor.userID) FROM reports WHERE id = \(id)
            """)
    }

    /// Each schedule of the report must still resolve its values against `parameters`.
    private func checkSchedulesStillFit(_ id: UUID, _ parameters: [ReportParameter]) throws {
        let schedules = try connection.query("""
            SELECT name, parameters::text AS parameters FROM schedules WHERE report_id = \(id) ORDER BY name, id FOR UPDATE
            """)
        var broken: [String] = []
        for row in schedules {
            let values = try row.decodeJSON("parameters", as: [String: ParameterInput].self)
            do throws(ValidationErrors) {
                _ = try ReportParameter.resolve(parameters, values: values, at: LogicalTime(instant: Int64(Date().timeIntervalSince1970), zone: .utc))
            } catch {
                let name: String = try row.decode("name")
                let problems = error.errors.map { "\($0.field.replacingOccurrences(of: "parameters.", with: "")) \($0.message)" }
                broken.append("“\(name.isEmpty ? "unnamed" : name)” (\(problems.joined(separator: "; ")))")
            }
        }
        guard broken.isEmpty else {
            throw ValidationErrors([ValidationError(field: "parameters", message:
                "would break \(broken.count == 1 ? "the schedule" : "the schedules") \(broken.joined(separator: ", ")): change \(broken.count == 1 ? "its" : "their") values first")])
        }
    }

    struct Valid {
        let name: String
        let dataSourceID: UUID
        let sql: String
        let descriptionMd: String
        let maxDurationSeconds: Int
        let rowLimit: Int
        let parameters: [ReportParameter]
    }

    /// Every field at once, so a form shows each error beside its field and the API lists them all.
    func validate(_ input: ReportInput, keeping before: Report?) throws -> Valid {
        var errors: [ValidationError] = []
        let name = input.name == nil && before != nil ? before!.name : validatedName(input.name, into: &errors)
        let source = input.dataSourceID ?? before?.dataSourceID
        if let source {
            if try connection.query("SELECT 1 FROM data_sources WHERE id = \(source)").isEmpty {
                errors.append(ValidationError(field: "data_source_id", message: "is not a data source: choose one from the list"))
            }
        } else {
            errors.append(ValidationError(field: "data_source_id", message: "choose a data source"))
        }
        let sql = input.sql ?? before?.sql ?? ""
        if sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.append(ValidationError(field: "sql", message: "enter the query"))
        } else if sql.count > Self.maximumSQLLength {
            errors.append(ValidationError(field: "sql", message: "must be \(Self.maximumSQLLength) characters or fewer"))
        } else if let refusal = ReportStatement.refusal(sql) {
            errors.append(ValidationError(field: "sql", message: refusal))
        }
        let description = input.descriptionMd ?? before?.descriptionMd ?? ""
        if description.count > Self.maximumDescriptionLength {
            errors.append(ValidationError(field: "description_md", message: "must be \(Self.maximumDescriptionLength) characters or fewer"))
        }
        let duration = input.maxDurationSeconds ?? before?.maxDurationSeconds ?? Self.defaultMaxDurationSeconds
        if !(1...604_800).contains(duration) {
            errors.append(ValidationError(field: "max_duration_seconds", message: "must be from 1 to 604800 seconds (a week)"))
        }
        let rowLimit = input.rowLimit ?? before?.rowLimit ?? min(Self.defaultRowLimit, maximumRowLimit)
        if !(1...maximumRowLimit).contains(rowLimit) {
            errors.append(ValidationError(field: "row_limit", message: "must be from 1 to \(maximumRowLimit) rows (this server's maximum)"))
        }
        let parameters = input.parameters ?? before?.parameters ?? []
        if parameters.count > Self.maximumParameters {
            errors.append(ValidationError(field: "parameters", message: "at most \(Self.maximumParameters) parameters"))
        }
        let parameterErrors = ReportParameter.validate(parameters)
        errors += parameterErrors
        if parameterErrors.isEmpty, !sql.isEmpty {
            do throws(ValidationErrors) { _ = try NamedParameterSQL(sql, parameters: parameters) } catch { errors += error.errors }
        }
        guard errors.isEmpty, let name, let source else { throw ValidationErrors(errors) }
        return Valid(name: name, dataSourceID: source, sql: sql, descriptionMd: description, maxDurationSeconds: duration,
                     rowLimit: rowLimit, parameters: parameters)
    }

    private func checkCreator(_ actor: Actor) throws {
        guard actor.has(.creator) else { throw Forbidden("Only creators and admins may see and change reports.") }
    }

    private func audit(_ actor: Actor, _ action: String, _ id: UUID, _ details: [String: String]) throws {
        try AuditLog(connection: connection).record(actorID: actor.userID, actorLabel: actor.label, action: action,
                                                    subjectType: "report", subjectID: id.uuidString.lowercased(), details: details)
    }

    static func describe(_ report: Report) -> String {
        "name=\(report.name) data_source_id=\(report.dataSourceID.uuidString.lowercased()) max_duration_seconds=\(report.maxDurationSeconds) row_limit=\(report.rowLimit) version=\(report.version) parameters=\(report.parameters.map { "\($0.name):\($0.type.rawValue)" }.joined(separator: ",")) sql=\(report.sql.prefix(500))"
    }

    static let select: PostgresQuery = """
        SELECT r.id, r.name, r.data_source_id, d.name AS data_source_name, r.sql, r.description_md, r.parameters::text AS parameters,
               r.version, r.max_duration_seconds, r.row_limit, r.owner_id, r.created_at, r.updated_at
        FROM reports r JOIN data_sources d ON d.id = r.data_source_id
        """

    static func record(_ row: PostgresRow) throws -> Report {
        Report(id: try row.decode("id"), name: try row.decode("name"), dataSourceID: try row.decode("data_source_id"),
               dataSourceName: try row.decode("data_source_name"), sql: try row.decode("sql"), descriptionMd: try row.decode("description_md"),
               parameters: try row.decodeJSON("parameters", as: [ReportParameter].self), version: try row.decode("version"),
               maxDurationSeconds: try row.decode("max_duration_seconds"),
               rowLimit: try row.decode("row_limit"),
               ownerID: try row.decode("owner_id", as: UUID?.self), createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
