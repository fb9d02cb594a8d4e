import Foundation
import HeraldCore
import HeraldStore

/// A destination in the API; a folder's settings are `{"path": "<sub-folder under HERALD_DELIVERY_ROOT>"}`.
struct DestinationJSON: Encodable {
    struct Settings: Encodable { let path: String }
    let id: UUID
    let name: String
    let kind: String
    let settings: Settings
    let secretSet: Bool
    let ownerId: UUID?
    let createdAt: Date
    let updatedAt: Date

    init(_ destination: Destination) {
        id = destination.id
        name = destination.name
        kind = destination.kind
        settings = Settings(path: destination.path)
        secretSet = destination.secretSet
        ownerId = destination.ownerID
        createdAt = destination.createdAt
        updatedAt = destination.updatedAt
    }
}

/// What a client sends for a destination.
struct DestinationBody: Decodable {
    struct Settings: Decodable { let path: String? }
    let name: String?
    let kind: String?
    let settings: Settings?

    var input: DestinationInput { DestinationInput(name: name, kind: kind, path: settings?.path) }
}

/// `/api/v1/destinations`: the same `DestinationService` the pages and `herald schedule add --folder` call.
enum DestinationsAPI {
    static func service(_ context: RequestContext) throws -> DestinationService {
        DestinationService(connection: try context.store(), deliveryRoot: context.settings.deliveryRoot)
    }

    /// The service names the folder `path` (as the form does); the API's field is `settings.path`.
    static func apiFields<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ValidationErrors {
            throw ValidationErrors(error.errors.map { $0.field == "path" ? ValidationError(field: "settings.path", message: $0.message) : $0 })
        }
    }

    static func register(_ router: inout Router) {
        router.get("/api/v1/destinations", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.items.map(DestinationJSON.init), nextCursor: page.nextAfter.map(ListRequest.cursor)))
        }
        router.post("/api/v1/destinations", .signedIn(.creator)) { context in
            let body = try context.request.json(DestinationBody.self)
            return try .json(DestinationJSON(try apiFields { try service(context).create(body.input, actor: context.actor) }), status: .created)
        }
        router.get("/api/v1/destinations/:id", .signedIn(.creator)) { context in
            try .json(DestinationJSON(try service(context).get(try context.id("id", "destination"), actor: context.actor)))
        }
        for (method, replacing) in [("PUT", true), ("PATCH", false)] {
            router.add(method, "/api/v1/destinations/:id", .signedIn(.creator)) { context in
                let id = try context.id("id", "destination")
                let body = try context.request.json(DestinationBody.self)
                return try .json(DestinationJSON(try apiFields { try service(context).update(id, body.input, actor: context.actor, replacing: replacing) }))
            }
        }
        router.delete("/api/v1/destinations/:id", .signedIn(.creator)) { context in
            try service(context).delete(try context.id("id", "destination"), actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
    }
}

extension OpenAPIDocument {
    static var destinations: Part {
        let body = ["application/json": ["schema": OpenAPI.ref("DestinationInput")]]
        let one = OpenAPI.json(OpenAPI.ref("Destination"), "The destination")
        return Part(paths: [
            "/api/v1/destinations": [
                "get": ["summary": "Destinations the caller may use (their own and shared ones; admins: all)", "operationId": "listDestinations",
                        "parameters": OpenAPI.listParameters,
                        "responses": ["200": OpenAPI.json(OpenAPI.listOf("Destination"), "A page of destinations")].merging(OpenAPI.errors(["400", "401", "403", "422"])) { a, _ in a }],
                "post": ["summary": "Create a destination owned by the caller", "operationId": "createDestination", "requestBody": ["required": true, "content": body],
                         "responses": ["201": one].merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
            ],
            "/api/v1/destinations/{id}": [
                "parameters": OpenAPI.idParameters(["id"]),
                "get": ["summary": "A destination", "operationId": "getDestination",
                        "responses": ["200": one].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
                "put": ["summary": "Replace a destination (missing fields are errors)", "operationId": "replaceDestination",
                        "requestBody": ["required": true, "content": body],
                        "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "patch": ["summary": "Change some fields of a destination", "operationId": "updateDestination",
                          "requestBody": ["required": true, "content": body],
                          "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "delete": ["summary": "Delete a destination (refused while schedules deliver to it)", "operationId": "deleteDestination",
                           "responses": ["204": ["description": "Deleted"]].merging(OpenAPI.errors(["401", "403", "404", "409"])) { a, _ in a }],
            ],
        ], schemas: [
            "Destination": [
                "type": "object", "required": ["id", "name", "kind", "settings", "secret_set", "owner_id", "created_at", "updated_at"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "kind": ["type": "string", "enum": ["folder", "email", "sftp", "ftp", "s3", "azure", "gcs", "webhook"]],
                    "settings": ["type": "object", "required": ["path"], "properties": ["path": ["type": "string"]]],
                    "secret_set": ["type": "boolean", "readOnly": true],
                    "owner_id": ["type": ["string", "null"], "format": "uuid", "description": "null: shared with every creator"],
                    "created_at": ["type": "string", "format": "date-time"], "updated_at": ["type": "string", "format": "date-time"],
                ],
            ],
            "DestinationInput": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200],
                    "kind": ["type": "string", "enum": DestinationService.kinds, "default": "folder"],
                    "settings": ["type": "object", "properties": [
                        "path": ["type": "string", "description": "A sub-folder of HERALD_DELIVERY_ROOT: relative, no . or .., no symbolic links"],
                    ]],
                ],
            ],
        ])
    }
}
