import Foundation
import HeraldCore
import HeraldStore

/// `/datasources` (admins): list, new, edit with the URL write-only (blank keeps the stored one), delete, and a
/// "Test connection" button that posts and shows the specific failure, or success.
enum DataSourcePages {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/datasources", .signedIn(.admin)) { context in
            let list = try ListRequest(context.request)
            let page = try DataSourcesAPI.service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            let rows = page.items.map {
                DataSourceListView.Row(id: $0.id.uuidString.lowercased(), name: $0.name,
                                       timeout: String($0.statementTimeoutMs ?? 0), concurrency: String($0.maxConcurrency ?? 0))
            }
            let view = DataSourceListView(chrome: PageChrome(title: "Data sources", context: context, section: "datasources"),
                                          rows: rows, empty: rows.isEmpty,
                                          nextHref: page.nextAfter.map { "/datasources?cursor=" + ListRequest.cursor($0) })
            return .html(try templates.render(view, template: "pages/datasources/list"))
        }
        router.get("/datasources/new", .signedIn(.admin)) { context in
            try form(context, templates, source: nil, values: .init(name: "", timeout: String(DataSourceService.defaultStatementTimeoutMs),
                                                                     concurrency: String(DataSourceService.defaultMaxConcurrency)))
        }
        router.post("/datasources", .signedIn(.admin)) { context in try save(context, templates, source: nil) }
        router.get("/datasources/:id", .signedIn(.admin)) { context in
            let source = try DataSourcesAPI.service(context).get(try context.id("id", "data source"), actor: context.actor)
            return try form(context, templates, source: source, values: .init(source))
        }
        router.post("/datasources/:id", .signedIn(.admin)) { context in
            let source = try DataSourcesAPI.service(context).get(try context.id("id", "data source"), actor: context.actor)
            return try save(context, templates, source: source)
        }
        router.post("/datasources/:id/test", .signedIn(.admin)) { context in
            let service = try DataSourcesAPI.service(context)
            let source = try service.get(try context.id("id", "data source"), actor: context.actor)
            let result = try service.test(source.id, actor: context.actor)
            return try form(context, templates, source: source, values: .init(source), test: result)
        }
        router.get("/datasources/:id/delete", .signedIn(.admin)) { context in
            let source = try DataSourcesAPI.service(context).get(try context.id("id", "data source"), actor: context.actor)
            let view = DataSourceDeleteView(chrome: PageChrome(title: "Delete \(source.name)", context: context, section: "datasources"),
                                            id: source.id.uuidString.lowercased(), name: source.name)
            return .html(try templates.render(view, template: "pages/datasources/delete"))
        }
        router.post("/datasources/:id/delete", .signedIn(.admin)) { context in
            try DataSourcesAPI.service(context).delete(try context.id("id", "data source"), actor: context.actor)
            return .redirect(to: "/datasources?done=deleted")
        }
    }

    /// A number field: blank takes the default; text that is not a number reaches the service out of range, so it
    /// reports the field like any other.
    static func number(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : Int(trimmed) ?? -1
    }

    static func save(_ context: RequestContext, _ templates: Templates, source: DataSource?) throws -> HTTPResponse {
        let posted = try PostedForm(context)
        let values = DataSourceFormView.Values(name: posted["name"], timeout: posted["statement_timeout_ms"], concurrency: posted["max_concurrency"])
        let input = DataSourceInput(name: values.name, url: posted["url"], statementTimeoutMs: number(values.timeout),
                                    maxConcurrency: number(values.concurrency))
        let service = try DataSourcesAPI.service(context)
        do {
            if let source {
                _ = try service.update(source.id, input, actor: context.actor, replacing: true)
                return .redirect(to: "/datasources?done=saved")
            }
            _ = try service.create(input, actor: context.actor)
            return .redirect(to: "/datasources?done=created")
        } catch {
            guard let found = FormErrors.from(error, labels: labels) else { throw error }
            return try form(context, templates, source: source, values: values, errors: found, status: .unprocessableContent)
        }
    }

    /// How the error summary names the fields whose label is not their name.
    static let labels = ["url": "Connection URL", "statement_timeout_ms": "Statement timeout", "max_concurrency": "Runs at the same time"]

    static func form(_ context: RequestContext, _ templates: Templates, source: DataSource?, values: DataSourceFormView.Values,
                     errors: FormErrors = FormErrors(), test: DataSourceTestResult? = nil, status: HTTPStatus = .ok) throws -> HTTPResponse {
        let title = source.map { "Edit \($0.name)" } ?? "New data source"
        let id = source?.id.uuidString.lowercased()
        let view = DataSourceFormView(
            chrome: PageChrome(title: errors.title(title), context: context, section: "datasources"),
            heading: title, action: id.map { "/datasources/\($0)" } ?? "/datasources",
            testAction: id.map { "/datasources/\($0)/test" }, deleteHref: id.map { "/datasources/\($0)/delete" },
            isNew: source == nil, values: values, errors: errors,
            test: test.map { DataSourceFormView.Test(ok: $0.ok, message: $0.message, elapsedMs: $0.elapsedMs) })
        return .html(try templates.render(view, template: "pages/datasources/form"), status: status)
    }
}

/// `pages/datasources/list`.
struct DataSourceListView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let id: String; let name: String; let timeout: String; let concurrency: String }
    let chrome: PageChrome
    let rows: [Row]
    let empty: Bool
    let nextHref: String?
}

/// `pages/datasources/form`: new and edit; the URL field is always empty (write-only).
struct DataSourceFormView: Sendable, Encodable {
    struct Values: Sendable, Encodable {
        let name: String
        let timeout: String
        let concurrency: String

        init(name: String, timeout: String, concurrency: String) {
            self.name = name
            self.timeout = timeout
            self.concurrency = concurrency
        }

        init(_ source: DataSource) {
            self.init(name: source.name, timeout: String(source.statementTimeoutMs ?? DataSourceService.defaultStatementTimeoutMs),
                      concurrency: String(source.maxConcurrency ?? DataSourceService.defaultMaxConcurrency))
        }
    }
    struct Test: Sendable, Encodable { let ok: Bool; let message: String; let elapsedMs: Int }
    let chrome: PageChrome
    let heading: String
    let action: String
    let testAction: String?
    let deleteHref: String?
    let isNew: Bool
    let values: Values
    let errors: FormErrors
    let test: Test?
}

/// `pages/datasources/delete`.
struct DataSourceDeleteView: Sendable, Encodable {
    let chrome: PageChrome
    let id: String
    let name: String
}
