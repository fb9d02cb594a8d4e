import Foundation
import HeraldStore
import Markdown

/// A report in the API: the Markdown description also rendered (cmark safe mode), read-only.
struct ReportJSON: Encodable {
    let id: UUID
    let name: String
    let dataSourceId: UUID
    let sql: String
    let descriptionMd: String
    let descriptionHtml: String
    /// Typed parameters arrive with the reports issue; always empty until then.
    let parameters: [String]
    let maxDurationSeconds: Int
    let rowLimit: Int
    let ownerId: UUID?
    let createdAt: Date
    let updatedAt: Date

    init(_ report: Report) {
        id = report.id
        name = report.name
        dataSourceId = report.dataSourceID
        sql = report.sql
        descriptionMd = report.descriptionMd
        descriptionHtml = Markdown.html(from: report.descriptionMd)
        parameters = []
        maxDurationSeconds = report.maxDurationSeconds
        rowLimit = report.rowLimit
        ownerId = report.ownerID
        createdAt = report.createdAt
        updatedAt = report.updatedAt
    }
}

extension OpenAPIDocument {
    static var reports: Part {
        let body = OpenAPI.json(OpenAPI.ref("ReportInput"), "The report")
        let one = OpenAPI.json(OpenAPI.ref("Report"), "The report")
        let id = OpenAPI.idParameters(["id"])
        return Part(paths: [
            "/api/v1/reports": [
                "get": ["summary": "Reports the caller may change (creators: their own; admins: all)", "operationId": "listReports",
                        "parameters": OpenAPI.listParameters,
                        "responses": ["200": OpenAPI.json(OpenAPI.listOf("Report"), "A page of reports")].merging(OpenAPI.errors(["400", "401", "403", "422"])) { a, _ in a }],
                "post": ["summary": "Create a report owned by the caller", "operationId": "createReport", "requestBody": ["required": true, "content": body["content"]!],
                         "responses": ["201": one].merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
            ],
            "/api/v1/reports/{id}": [
                "parameters": id,
                "get": ["summary": "A report", "operationId": "getReport",
                        "responses": ["200": one].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
                "put": ["summary": "Replace a report (missing fields are errors)", "operationId": "replaceReport", "requestBody": ["required": true, "content": body["content"]!],
                        "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "patch": ["summary": "Change some fields of a report", "operationId": "updateReport", "requestBody": ["required": true, "content": body["content"]!],
                          "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "delete": ["summary": "Delete a report (refused while schedules use it)", "operationId": "deleteReport",
                           "responses": ["204": ["description": "Deleted"]].merging(OpenAPI.errors(["401", "403", "404", "409"])) { a, _ in a }],
            ],
        ], schemas: [
            "Report": [
                "type": "object",
                "required": ["id", "name", "data_source_id", "sql", "description_md", "description_html", "parameters", "max_duration_seconds",
                             "row_limit", "owner_id", "created_at", "updated_at"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "data_source_id": ["type": "string", "format": "uuid"], "sql": ["type": "string"],
                    "description_md": ["type": "string"],
                    "description_html": ["type": "string", "readOnly": true, "description": "description_md rendered by cmark in safe mode"],
                    "parameters": ["type": "array", "items": ["type": "object"], "description": "Typed parameters (none yet)"],
                    "max_duration_seconds": ["type": "integer"],
                    "row_limit": ["type": "integer", "description": "Rows a run keeps; a longer result is cut there and the run marked truncated"],
                    "owner_id": ["type": ["string", "null"], "format": "uuid"],
                    "created_at": ["type": "string", "format": "date-time"], "updated_at": ["type": "string", "format": "date-time"],
                ],
            ],
            "ReportInput": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200],
                    "data_source_id": ["type": "string", "format": "uuid"],
                    "sql": ["type": "string", "minLength": 1],
                    "description_md": ["type": "string", "maxLength": 20000],
                    "max_duration_seconds": ["type": "integer", "minimum": 1, "maximum": 604800, "default": 1800],
                    "row_limit": ["type": "integer", "minimum": 1, "default": 1000000,
                                  "description": "At most the server's HERALD_MAX_ROW_LIMIT (default 10,000,000)"],
                ],
            ],
        ])
    }
}
