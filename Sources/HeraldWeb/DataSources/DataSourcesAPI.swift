import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/datasources`: creators list names and ids; admins create, change, delete and test. The URL is accepted
/// and never returned.
enum DataSourcesAPI {
    static func service(_ context: RequestContext) throws -> DataSourceService {
        try DataSourceService(connection: try context.store(), secretKey: context.settings.secretKey)
    }

    static func register(_ router: inout Router) {
        router.get("/api/v1/datasources", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.items, nextCursor: page.nextAfter.map(ListRequest.cursor)))
        }
        router.post("/api/v1/datasources", .signedIn(.admin)) { context in
            let input = try context.request.json(DataSourceInput.self)
            return try .json(try service(context).create(input, actor: context.actor), status: .created)
        }
        router.get("/api/v1/datasources/:id", .signedIn(.creator)) { context in
            try .json(try service(context).get(try context.id("id", "data source"), actor: context.actor))
        }
        for (method, replacing) in [("PUT", true), ("PATCH", false)] {
            router.add(method, "/api/v1/datasources/:id", .signedIn(.admin)) { context in
                let id = try context.id("id", "data source")
                let input = try context.request.json(DataSourceInput.self)
                return try .json(try service(context).update(id, input, actor: context.actor, replacing: replacing))
            }
        }
        router.delete("/api/v1/datasources/:id", .signedIn(.admin)) { context in
            try service(context).delete(try context.id("id", "data source"), actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
        router.post("/api/v1/datasources/:id/test", .signedIn(.admin)) { context in
            try .json(try service(context).test(try context.id("id", "data source"), actor: context.actor))
        }
    }
}

extension OpenAPIDocument {
    static var datasources: Part {
        let body = ["application/json": ["schema": OpenAPI.ref("DataSourceInput")]]
        let one = OpenAPI.json(OpenAPI.ref("DataSource"), "The data source (never its URL)")
        return Part(paths: [
            "/api/v1/datasources": [
                "get": ["summary": "Data sources (creators: ids and names; admins: also the limits)", "operationId": "listDataSources",
                        "parameters": OpenAPI.listParameters,
                        "responses": ["200": OpenAPI.json(OpenAPI.listOf("DataSource"), "A page of data sources")].merging(OpenAPI.errors(["400", "401", "403", "422"])) { a, _ in a }],
                "post": ["summary": "Create a data source (admin)", "operationId": "createDataSource", "requestBody": ["required": true, "content": body],
                         "responses": ["201": one].merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
            ],
            "/api/v1/datasources/{id}": [
                "parameters": OpenAPI.idParameters(["id"]),
                "get": ["summary": "A data source", "operationId": "getDataSource",
                        "responses": ["200": one].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
                "put": ["summary": "Replace a data source (admin); a missing url keeps the stored one", "operationId": "replaceDataSource",
                        "requestBody": ["required": true, "content": body],
                        "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "patch": ["summary": "Change some fields of a data source (admin)", "operationId": "updateDataSource",
                          "requestBody": ["required": true, "content": body],
                          "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "delete": ["summary": "Delete a data source (admin; refused while reports use it)", "operationId": "deleteDataSource",
                           "responses": ["204": ["description": "Deleted"]].merging(OpenAPI.errors(["401", "403", "404", "409"])) { a, _ in a }],
            ],
            "/api/v1/datasources/{id}/test": [
                "parameters": OpenAPI.idParameters(["id"]),
                "post": ["summary": "Connect with the stored URL and run SELECT 1 read-only (admin)", "operationId": "testDataSource",
                         "responses": ["200": OpenAPI.json(OpenAPI.ref("DataSourceTestResult"), "Whether it worked; the failure names neither URL nor password")]
                            .merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
            ],
        ], schemas: [
            "DataSource": [
                "type": "object", "required": ["id", "name"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "statement_timeout_ms": ["type": "integer", "description": "Admins only"],
                    "max_concurrency": ["type": "integer", "description": "Admins only"],
                ],
            ],
            "DataSourceInput": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200],
                    "url": ["type": "string", "writeOnly": true, "description": "postgresql:// URL; stored encrypted, never returned"],
                    "statement_timeout_ms": ["type": "integer", "minimum": 100, "maximum": 86_400_000, "default": 60000],
                    "max_concurrency": ["type": "integer", "minimum": 1, "maximum": 64, "default": 4],
                ],
            ],
            "DataSourceTestResult": [
                "type": "object", "required": ["ok", "message", "elapsed_ms"],
                "properties": ["ok": ["type": "boolean"], "message": ["type": "string"], "elapsed_ms": ["type": "integer"]],
            ],
        ])
    }
}
