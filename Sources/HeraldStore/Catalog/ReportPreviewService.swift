import Foundation
import HeraldCore
import Postgres

/// The first rows of a report's query, saved or still being typed, as the report editor and the API show them: run
/// as a scheduled run would (through `PreparedReportQuery` and `ReportQueryRunner`: read-only, bound values) with
/// each parameter's default at the current time in the actor's zone. Who may preview is who may see the report.
public struct ReportPreviewService {
    let connection: PostgresConnection
    let secretKey: [UInt8]

    /// `connection`: Herald's own database; the report's data source gets a session of its own per preview.
    public init(connection: PostgresConnection, secretKey: [UInt8]) {
        self.connection = connection
        self.secretKey = secretKey
    }

    /// Rows a preview shows; the query is stopped after them.
    public static let rowLimit = 20
    /// A preview holds a web thread, so it never waits longer than this, whatever the data source allows a run.
    public static let maximumStatementTimeoutMs = 30_000
    static let connectTimeoutSeconds = 5

    /// A saved report (`NotFound` when the actor may not see it).
    public func preview(_ id: UUID, actor: Actor) throws -> ReportPreview {
        let report = try ReportService(connection: connection).get(id, actor: actor)
        return try run(dataSourceID: report.dataSourceID, sql: report.sql, parameters: report.parameters, actor: actor)
    }

    /// What the editor holds before it is saved: checked as a save would check these fields, then run.
    public func preview(dataSourceID: UUID?, sql: String, parameters: [ReportParameter], actor: Actor) throws -> ReportPreview {
        guard actor.has(.creator) else { throw Forbidden("Only creators and admins may see and change reports.") }
        var errors: [ValidationError] = []
        if let dataSourceID {
            if try connection.query("SELECT 1 FROM data_sources WHERE id = \(dataSourceID)").isEmpty {
                errors.append(ValidationError(field: "data_source_id", message: "is not a data source: choose one from the list"))
            }
        } else {
            errors.append(ValidationError(field: "data_source_id", message: "choose a data source"))
        }
        if sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.append(ValidationError(field: "sql", message: "enter the query"))
        } else if sql.count > ReportService.maximumSQLLength {
            errors.append(ValidationError(field: "sql", message: "must be \(ReportService.maximumSQLLength) characters or fewer"))
        }
        let parameterErrors = ReportParameter.validate(parameters)
        errors += parameterErrors
        if parameterErrors.isEmpty, errors.allSatisfy({ $0.field != "sql" }) {
            do throws(ValidationErrors) { _ = try NamedParameterSQL(sql, parameters: parameters) } catch { errors += error.errors }
        }
        guard errors.isEmpty, let dataSourceID else { throw ValidationErrors(errors) }
        return try run(dataSourceID: dataSourceID, sql: sql, parameters: parameters, actor: actor)
    }

    /// A database's refusal comes back under the field `preview`, in the server's words (the URL and its password
    /// cut out, as "Test connection" does), so a page shows it in its error box and the API in the problem's errors.
    func run(dataSourceID: UUID, sql: String, parameters: [ReportParameter], actor: Actor) throws -> ReportPreview {
        let now = LogicalTime(instant: Int64(Date().timeIntervalSince1970), zone: Self.zone(of: actor))
        let prepared = try PreparedReportQuery(sql: sql, declared: parameters, values: [:], at: now)
        guard let url = try DataSourceRepository(connection: connection, secretKey: secretKey).connectionURL(id: dataSourceID),
              let row = try connection.query("SELECT statement_timeout_ms FROM data_sources WHERE id = \(dataSourceID)").first
        else { throw NotFound("data source") }
        let timeout = min(try row.decode("statement_timeout_ms", as: Int.self), Self.maximumStatementTimeoutMs)
        var columns: [PostgresColumn] = []
        var rows: [[String?]] = []
        do {
            let separator = url.contains("?") ? "&" : "?"
            let source = try PostgresConnection(url: url + separator + "connect_timeout=\(Self.connectTimeoutSeconds)")
            let streamed = try ReportQueryRunner(connection: source).stream(
                sql: prepared.sql, binds: prepared.binds, statementTimeoutMs: timeout, rowLimit: Self.rowLimit,
                columns: { columns = $0 }, row: { rows.append($0) })
            return ReportPreview(columns: columns, rows: rows, truncated: streamed.truncated)
        } catch let error as PostgresError {
            throw ValidationErrors([ValidationError(field: "preview", message: DataSourceService.redacting(url, from: "\(error)"))])
        }
    }

    /// The actor's own zone, so `today` is their today; UTC for the CLI or a zone no longer known.
    static func zone(of actor: Actor) -> ZoneRules {
        guard let name = actor.principal?.timeZone, let zone = try? ZoneRules.named(name) else { return .utc }
        return zone
    }
}

/// The first rows of a query and whether there were more.
public struct ReportPreview: Sendable, Equatable {
    public let columns: [PostgresColumn]
    /// At most `ReportPreviewService.rowLimit`, PostgreSQL's text of each value (nil for NULL).
    public let rows: [[String?]]
    /// The query had more rows than were shown.
    public let truncated: Bool
}
