import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/reports`: the same `ReportService` the pages and `herald report add` call.
enum ReportsAPI {
    static func register(_ router: inout Router) {
        router.get("/api/v1/reports", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try context.reports().list(actor: context.actor, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.items.map(ReportJSON.init), nextCursor: page.nextAfter.map(ListRequest.cursor)))
        }
        router.post("/api/v1/reports", .signedIn(.creator)) { context in
            let input = try context.request.json(ReportInput.self)
            return try .json(ReportJSON(try context.reports().create(input, actor: context.actor)), status: .created)
        }
        router.get("/api/v1/reports/:id", .signedIn(.creator)) { context in
            try .json(ReportJSON(try context.reports().get(try context.id("id", "report"), actor: context.actor)))
        }
        for (method, replacing) in [("PUT", true), ("PATCH", false)] {
            router.add(method, "/api/v1/reports/:id", .signedIn(.creator)) { context in
                let id = try context.id("id", "report")
                let input = try context.request.json(ReportInput.self)
                return try .json(ReportJSON(try context.reports().update(id, input, actor: context.actor, replacing: replacing)))
            }
        }
        router.get("/api/v1/reports/:id/versions", .signedIn(.creator)) { context in
            let versions = try context.reports().versions(try context.id("id", "report"), actor: context.actor)
            return try .json(["items": versions.map(ReportVersionJSON.init)])
        }
        router.post("/api/v1/reports/:id/preview", .signedIn(.creator)) { context in
            try .json(ReportPreviewJSON(try context.reportPreviews().preview(try context.id("id", "report"), actor: context.actor)))
        }
        router.post("/api/v1/reports/preview", .signedIn(.creator)) { context in
            let input = try context.request.json(ReportInput.self)
            let preview = try context.reportPreviews().preview(dataSourceID: input.dataSourceID, sql: input.sql ?? "",
                                                               parameters: input.parameters ?? [], actor: context.actor)
            return try .json(ReportPreviewJSON(preview))
        }
        router.delete("/api/v1/reports/:id", .signedIn(.creator)) { context in
            try context.reports().delete(try context.id("id", "report"), actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
    }
}

extension RequestContext {
    /// The report service with this server's row-limit maximum.
    func reports() throws -> ReportService {
        ReportService(connection: try store(), maximumRowLimit: settings.maxRowLimit)
    }

    /// Previews run on the report's data source with the data-source URLs this server can open.
    func reportPreviews() throws -> ReportPreviewService {
        ReportPreviewService(connection: try store(), secretKey: settings.secretKey)
    }
}
