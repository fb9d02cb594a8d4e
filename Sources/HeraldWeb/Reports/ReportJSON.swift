import Foundation
import HeraldCore
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
    let parameters: [ReportParameter]
    /// Raised by every change of the SQL or the parameters (`/versions` lists them).
    let version: Int
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
        parameters = report.parameters
        version = report.version
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
        let preview = OpenAPI.json(OpenAPI.ref("ReportPreview"), "The first rows; a database error is a 422 whose errors hold it under the field preview")
        return Part(paths: [
            "/api/v1/reports": [
                "get": ["summary": "Reports the caller may change (creators: their own; admins: all)", "operationId": "listReports",
                        "parameters": OpenAPI.listParameters,
                        "responses": ["200": OpenAPI.json(OpenAPI.listOf("Report"), "A page of reports")].merging(OpenAPI.errors(["400", "401", "403", "422"])) { a, _ in a }],
                "post": ["summary": "Create a report owned by the caller", "operationId": "createReport", "requestBody": ["required": true, "content": body["content"]!],
                         "responses": ["201": one].merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
            ],
            "/api/v1/reports/{id}/versions": [
                "parameters": id,
                "get": ["summary": "The kept versions of a report's SQL and parameters, newest first", "operationId": "listReportVersions",
                        "responses": ["200": OpenAPI.json(["type": "object", "required": ["items"],
                                                           "properties": ["items": ["type": "array", "items": OpenAPI.ref("ReportVersion")]]],
                                                          "The versions")].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
            ],
            "/api/v1/reports/{id}/preview": [
                "parameters": id,
                "post": ["summary": "Run a saved report read-only with its parameters' defaults and return its first 20 rows",
                         "operationId": "previewReport",
                         "responses": ["200": preview].merging(OpenAPI.errors(["401", "403", "404", "422"])) { a, _ in a }],
            ],
            "/api/v1/reports/preview": [
                "post": ["summary": "Run an unsaved query (data_source_id, sql, parameters) read-only with the defaults; the first 20 rows",
                         "operationId": "previewUnsavedReport", "requestBody": ["required": true, "content": body["content"]!],
                         "responses": ["200": preview].merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
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
                "required": ["id", "name", "data_source_id", "sql", "description_md", "description_html", "parameters", "version", "max_duration_seconds",
                             "row_limit", "owner_id", "created_at", "updated_at"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "data_source_id": ["type": "string", "format": "uuid"], "sql": ["type": "string"],
                    "description_md": ["type": "string"],
                    "description_html": ["type": "string", "readOnly": true, "description": "description_md rendered by cmark in safe mode"],
                    "parameters": ["type": "array", "items": OpenAPI.ref("ReportParameter"), "description": "Used in the SQL as :name, bound as typed values"],
                    "version": ["type": "integer", "readOnly": true, "description": "Raised by every change of the SQL or the parameters"],
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
                    "parameters": ["type": "array", "maxItems": 50, "items": OpenAPI.ref("ReportParameter"),
                                   "description": "On PATCH, missing keeps the stored parameters; on PUT, missing means none"],
                ],
            ],
            "ReportParameter": [
                "type": "object",
                "required": ["name", "type"],
                "properties": [
                    "name": ["type": "string", "pattern": "^[a-z_][a-z0-9_]*$", "maxLength": 63, "description": "Used in the SQL as :name"],
                    "type": ["type": "string", "enum": ParameterType.allCases.map(\.rawValue)],
                    "item_type": ["type": "string", "enum": ParameterType.allCases.filter { $0 != .list }.map(\.rawValue),
                                  "description": "The type of each value of a list; only for type list"],
                    "choices": ["type": "array", "items": ["type": "string"], "description": "The allowed values of a choice (or a list of choices)"],
                    "label": ["type": "string", "description": "Shown beside the field; the name when missing"],
                    "default": ["description": "Used when a schedule gives no value: a string (relative dates such as start_of_month or today-7d), number, boolean or array for a list"],
                    "required": ["type": "boolean", "default": false],
                ],
            ],
            "ReportVersion": [
                "type": "object",
                "required": ["version", "sql", "parameters", "created_by", "created_at"],
                "properties": [
                    "version": ["type": "integer"], "sql": ["type": "string"],
                    "parameters": ["type": "array", "items": OpenAPI.ref("ReportParameter")],
                    "created_by": ["type": ["string", "null"], "description": "E-mail of who saved it; null for the command line or a deleted user"],
                    "created_at": ["type": "string", "format": "date-time"],
                ],
            ],
            "ReportPreview": [
                "type": "object",
                "required": ["columns", "rows", "truncated"],
                "properties": [
                    "columns": ["type": "array", "items": ["type": "object", "required": ["name", "type"], "properties": [
                        "name": ["type": "string"],
                        "type": ["type": "string", "enum": ["text", "integer", "number", "boolean", "date", "timestamp", "timestamptz"]]]]],
                    "rows": ["type": "array", "maxItems": 20, "items": ["type": "array", "items": [String: Any]()],
                             "description": "Numbers and booleans as JSON values, NULL as null, everything else as text"],
                    "truncated": ["type": "boolean", "description": "The query has more rows than the 20 shown"],
                ],
            ],
        ])
    }
}
