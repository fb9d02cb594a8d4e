import Foundation
import HeraldCore
import HeraldStore
import Markdown

/// `/reports`: creators see and change their own reports (admins all). The form's Markdown description can be
/// previewed (rendered by cmark in safe mode) before it is saved.
enum ReportPages {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/reports", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try context.reports().list(actor: context.actor, after: list.after, limit: list.limit)
            let zone = context.principal!.timeZone
            let view = ReportListView(
                chrome: PageChrome(title: "Reports", context: context, section: "reports"),
                rows: page.items.map { ReportListView.Row(id: $0.id.uuidString.lowercased(), name: $0.name, dataSource: $0.dataSourceName,
                                                          updated: TimeView($0.updatedAt, zone: zone)) },
                nextHref: page.nextAfter.map { "/reports?cursor=" + ListRequest.cursor($0) })
            return .html(try templates.render(view, template: "pages/reports/list"))
        }
        router.get("/reports/new", .signedIn(.creator)) { context in
            try form(context, templates, report: nil, values: .init(name: "", dataSourceID: "", sql: "", descriptionMd: "", maxDuration: "1800",
                                                                     rowLimit: String(ReportService.defaultRowLimit)))
        }
        router.post("/reports", .signedIn(.creator)) { context in
            try save(context, templates, report: nil)
        }
        router.get("/reports/:id", .signedIn(.creator)) { context in
            let report = try context.reports().get(try context.id("id", "report"), actor: context.actor)
            return try form(context, templates, report: report, values: .init(report))
        }
        router.post("/reports/:id", .signedIn(.creator)) { context in
            let report = try context.reports().get(try context.id("id", "report"), actor: context.actor)
            return try save(context, templates, report: report)
        }
        router.get("/reports/:id/delete", .signedIn(.creator)) { context in
            let service = try context.reports()
            let report = try service.get(try context.id("id", "report"), actor: context.actor)
            let schedules = try service.scheduleCount(report.id, actor: context.actor)
            let view = ReportDeleteView(chrome: PageChrome(title: "Delete \(report.name)", context: context, section: "reports"),
                                        id: report.id.uuidString.lowercased(), name: report.name, dataSource: report.dataSourceName,
                                        schedules: schedules, inUse: schedules > 0)
            return .html(try templates.render(view, template: "pages/reports/delete"))
        }
        router.post("/reports/:id/delete", .signedIn(.creator)) { context in
            try context.reports().delete(try context.id("id", "report"), actor: context.actor)
            return .redirect(to: "/reports?done=deleted")
        }
    }

    /// Saves the posted form; or shows it again with what was typed: with the description rendered
    /// (`action=preview`), with the first rows of the typed query (`action=run_preview`), or with its errors.
    static func save(_ context: RequestContext, _ templates: Templates, report: Report?) throws -> HTTPResponse {
        let posted = try PostedForm(context)
        let values = ReportFormView.Values(name: posted["name"], dataSourceID: posted["data_source_id"], sql: posted["sql"],
                                           descriptionMd: posted["description_md"], maxDuration: posted["max_duration_seconds"],
                                           rowLimit: posted["row_limit"])
        let rows = ReportParameterRows(posted)
        if posted["action"] == "preview" { return try form(context, templates, report: report, values: values, rows: rows, preview: true) }
        if posted["action"] == "run_preview" { return try runPreview(context, templates, report: report, values: values, rows: rows) }
        // Text that is not a number reaches the service as an out-of-range value, so every field is checked in one place.
        let durationText = values.maxDuration.trimmingCharacters(in: .whitespaces)
        let duration = durationText.isEmpty ? ReportService.defaultMaxDurationSeconds : Int(durationText) ?? -1
        let limitText = values.rowLimit.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        let rowLimit = limitText.isEmpty ? ReportService.defaultRowLimit : Int(limitText) ?? -1
        let service = try context.reports()
        do {
            let input = ReportInput(name: values.name, dataSourceID: UUID(uuidString: values.dataSourceID), sql: values.sql,
                                    descriptionMd: values.descriptionMd, maxDurationSeconds: duration, rowLimit: rowLimit,
                                    parameters: try rows.parameters())
            if let report {
                _ = try service.update(report.id, input, actor: context.actor, replacing: true)
                return .redirect(to: "/reports?done=saved")
            }
            _ = try service.create(input, actor: context.actor)
            return .redirect(to: "/reports?done=created")
        } catch {
            guard let found = formErrors(error, rows: rows) else { throw error }
            return try form(context, templates, report: report, values: values, rows: rows, errors: found, status: .unprocessableContent)
        }
    }

    /// Runs the typed (unsaved) query with the table's defaults. A database's error is shown in the preview's box;
    /// a field that cannot run (no data source, a bad parameter row) beside its field, as a save would.
    static func runPreview(_ context: RequestContext, _ templates: Templates, report: Report?, values: ReportFormView.Values,
                           rows: ReportParameterRows) throws -> HTTPResponse {
        do {
            let preview = try context.reportPreviews().preview(dataSourceID: UUID(uuidString: values.dataSourceID), sql: values.sql,
                                                               parameters: try rows.parameters(), actor: context.actor)
            return try form(context, templates, report: report, values: values, rows: rows, result: ReportPreviewView(preview))
        } catch let error as ValidationErrors where error.errors.allSatisfy({ $0.field == "preview" }) {
            return try form(context, templates, report: report, values: values, rows: rows,
                            previewError: error.errors.map(\.message).joined(separator: "\n"))
        } catch {
            guard let found = formErrors(error, rows: rows) else { throw error }
            return try form(context, templates, report: report, values: values, rows: rows, errors: found, status: .unprocessableContent)
        }
    }

    static func formErrors(_ error: any Error, rows: ReportParameterRows) -> FormErrors? {
        let all = (error as? ValidationErrors)?.errors ?? (error as? ValidationError).map { [$0] } ?? []
        let table = ParameterRowView.summary(all, rows: rows)
        return FormErrors.from(error, labels: labels.merging(table.labels) { a, _ in a }, links: table.links)
    }

    /// How the error summary names the fields whose label is not their name.
    static let labels = ["data_source_id": "Data source", "sql": "SQL", "description_md": "Description", "max_duration_seconds": "Maximum duration", "row_limit": "Row limit"]

    static func form(_ context: RequestContext, _ templates: Templates, report: Report?, values: ReportFormView.Values,
                     rows: ReportParameterRows? = nil, errors: FormErrors = FormErrors(), preview: Bool = false,
                     result: ReportPreviewView? = nil, previewError: String? = nil, status: HTTPStatus = .ok) throws -> HTTPResponse {
        let sources = try DataSourceService(connection: try context.store(), secretKey: context.settings.secretKey)
            .list(actor: context.actor, limit: ListRequest.maximumLimit).items
        let zone = context.principal!.timeZone
        let versions = try report.map { report in
            try context.reports().versions(report.id, actor: context.actor).map { ReportVersionView($0, current: report.version, zone: zone) }
        } ?? []
        let title = report.map { "Edit \($0.name)" } ?? "New report"
        let rows = rows ?? ReportParameterRows(report?.parameters ?? [])
        let table = ParameterRowView.table(rows, errors: errors.fields)
        let view = ReportFormView(
            chrome: PageChrome(title: errors.title(title), context: context, section: "reports"),
            heading: title, version: report?.version, action: report.map { "/reports/\($0.id.uuidString.lowercased())" } ?? "/reports",
            deleteHref: report.map { "/reports/\($0.id.uuidString.lowercased())/delete" },
            values: values,
            sources: sources.map { SelectOption(value: $0.id.uuidString.lowercased(), label: $0.name, selected: $0.id.uuidString.lowercased() == values.dataSourceID.lowercased()) },
            noSources: sources.isEmpty, errors: errors,
            previewHTML: preview ? Markdown.html(from: values.descriptionMd) : nil, preview: preview,
            parameterRows: table, parameterCount: table.count, parametersError: errors.fields["parameters"],
            result: result, previewError: previewError, versions: versions, hasVersions: !versions.isEmpty)
        return .html(try templates.render(view, template: "pages/reports/form"), status: status)
    }
}

/// `pages/reports/list`.
struct ReportListView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let id: String; let name: String; let dataSource: String; let updated: TimeView }
    let chrome: PageChrome
    let rows: [Row]
    let nextHref: String?
    let empty: Bool

    init(chrome: PageChrome, rows: [Row], nextHref: String?) {
        self.chrome = chrome
        self.rows = rows
        self.nextHref = nextHref
        empty = rows.isEmpty
    }
}

/// `pages/reports/form`: new and edit. `previewHTML` is cmark's safe-mode output (raw HTML and `javascript:` links
/// removed), the only unescaped field.
struct ReportFormView: Sendable, Encodable {
    struct Values: Sendable, Encodable {
        let name: String
        let dataSourceID: String
        let sql: String
        let descriptionMd: String
        let maxDuration: String
        let rowLimit: String

        init(name: String, dataSourceID: String, sql: String, descriptionMd: String, maxDuration: String, rowLimit: String) {
            self.rowLimit = rowLimit
            self.name = name
            self.dataSourceID = dataSourceID
            self.sql = sql
            self.descriptionMd = descriptionMd
            self.maxDuration = maxDuration
        }

        init(_ report: Report) {
            self.init(name: report.name, dataSourceID: report.dataSourceID.uuidString.lowercased(), sql: report.sql,
                      descriptionMd: report.descriptionMd, maxDuration: String(report.maxDurationSeconds),
                      rowLimit: String(report.rowLimit))
        }
    }
    let chrome: PageChrome
    let heading: String
    /// The stored report's current version; nil on a new one.
    let version: Int?
    let action: String
    let deleteHref: String?
    let values: Values
    let sources: [SelectOption]
    let noSources: Bool
    let errors: FormErrors
    let previewHTML: String?
    let preview: Bool
    let parameterRows: [ParameterRowView]
    let parameterCount: Int
    /// An error about the parameters as a whole (too many, a schedule's values they would break).
    let parametersError: String?
    /// The typed query's first rows (`action=run_preview`), or the database's error.
    let result: ReportPreviewView?
    let previewError: String?
    let versions: [ReportVersionView]
    let hasVersions: Bool
}

/// `pages/reports/delete`: the confirmation page.
struct ReportDeleteView: Sendable, Encodable {
    let chrome: PageChrome
    let id: String
    let name: String
    let dataSource: String
    let schedules: Int
    let inUse: Bool
}
