import Foundation

/// `GET /api/openapi.json`: an OpenAPI 3.1 document assembled from each resource's part. A resource adds its paths
/// and component schemas in its own folder (`extension OpenAPIDocument { static var schedules: Part { ... } }`) and
/// lists the part in `parts`; a test checks that every `/api/` route of the router is documented.
/// Parts are plain JSON values (`[String: Any]`, as `JSONSerialization` writes them), made fresh on each call.
public enum OpenAPIDocument {
    public struct Part {
        /// `"/api/v1/schedules": ["get": [...], "post": [...]]`, with `{id}` path parameters.
        public var paths: [String: Any]
        /// Component schemas by name, referenced as `#/components/schemas/Name`.
        public var schemas: [String: Any]

        public init(paths: [String: Any], schemas: [String: Any] = [:]) {
            self.paths = paths
            self.schemas = schemas
        }
    }

    /// Every resource's part.
    static var parts: [Part] { [common, executions, reports, datasources, destinations, templates, users, systemEmail, schedules, notifications] }

    public static func json() throws -> [UInt8] {
        var paths: [String: Any] = [:]
        var schemas: [String: Any] = [:]
        for part in parts {
            paths.merge(part.paths) { _, new in new }
            schemas.merge(part.schemas) { _, new in new }
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Herald API", "version": "1",
                     "description": "Schedules, runs and their deliveries. JSON in and out, snake_case, instants in UTC with Z."],
            "servers": [["url": "/"]],
            "security": [["bearer": [String]()], ["session": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer"],
                    "session": ["type": "apiKey", "in": "cookie", "name": "__Host-herald_session",
                                "description": "State-changing calls with the cookie also need the X-CSRF-Token header."],
                ],
                "schemas": schemas,
                "responses": OpenAPI.errorResponses,
            ],
        ]
        return Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The document itself and the shapes every part shares.
    static var common: Part {
        Part(paths: [
            "/api/openapi.json": ["get": [
                "summary": "This document", "security": [[String: Any]](), "operationId": "openapi",
                "responses": ["200": ["description": "The OpenAPI document", "content": ["application/json": ["schema": ["type": "object"]]]]],
            ]],
        ], schemas: [
            "Problem": [
                "type": "object", "required": ["type", "title", "status", "detail"],
                "properties": [
                    "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                    "detail": ["type": "string"], "instance": ["type": "string"],
                    "errors": ["type": "array", "items": [
                        "type": "object", "required": ["field", "message"],
                        "properties": ["field": ["type": "string"], "message": ["type": "string"]],
                    ]],
                ],
            ],
        ])
    }
}

/// Small builders so that parts stay readable.
public enum OpenAPI {
    public static func ref(_ schema: String) -> [String: Any] { ["$ref": "#/components/schemas/\(schema)"] }

    /// `{"items": [Item], "next_cursor": string|null}`.
    public static func listOf(_ schema: String) -> [String: Any] {
        ["type": "object", "required": ["items", "next_cursor"],
         "properties": ["items": ["type": "array", "items": ref(schema)], "next_cursor": ["type": ["string", "null"]]]]
    }

    public static func json(_ schema: [String: Any], _ description: String) -> [String: Any] {
        ["description": description, "content": ["application/json": ["schema": schema]]]
    }

    /// The error responses an operation may give, by status (`["401", "404", "422"]`).
    public static func errors(_ statuses: [String]) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: statuses.map { ($0, ["$ref": "#/components/responses/\($0)"] as [String: Any]) })
    }

    /// Path parameters named in the pattern, as uuids.
    public static func idParameters(_ names: [String]) -> [[String: Any]] {
        names.map { ["name": $0, "in": "path", "required": true, "schema": ["type": "string", "format": "uuid"]] }
    }

    /// `limit` and `cursor`.
    public static var listParameters: [[String: Any]] {
        [["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 200, "default": 50]],
         ["name": "cursor", "in": "query", "schema": ["type": "string"]]]
    }

    static var errorResponses: [String: Any] {
        let reasons = ["400": "Malformed request, or a body that is not a JSON object", "401": "Not signed in, or the token is not valid",
                       "403": "The role does not allow this, or the CSRF token is missing", "404": "Missing, or not yours",
                       "409": "Conflicts with what is stored", "413": "The body is too large",
                       "415": "Not JSON", "422": "Validation failed, or a field has the wrong JSON type or is missing; errors names every bad field", "429": "Throttled"]
        return reasons.mapValues { ["description": $0, "content": ["application/problem+json": ["schema": ref("Problem")]]] as [String: Any] }
    }
}

/// `GET /api/openapi.json`.
enum OpenAPIRoutes {
    /// Built once per process: the document only changes with the code.
    static let document = Result { try OpenAPIDocument.json() }

    static func register(_ router: inout Router) {
        router.get("/api/openapi.json", .anyone) { _ in
            HTTPResponse(headers: [("Content-Type", "application/json"), ("Cache-Control", "public, max-age=300")], body: try document.get())
        }
    }
}
