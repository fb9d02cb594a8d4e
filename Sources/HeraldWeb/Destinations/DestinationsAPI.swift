import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore

/// A destination in the API: its kind's settings as stored, and which secrets are set (never a value).
struct DestinationJSON: Encodable {
    let id: UUID
    let name: String
    let kind: String
    let settings: StoredJSON
    let secretsSet: [String]
    let ownerId: UUID?
    let createdAt: Date
    let updatedAt: Date

    init(_ destination: Destination) {
        id = destination.id
        name = destination.name
        kind = destination.kind
        settings = StoredJSON(destination.settingsJSON)
        secretsSet = destination.secretFields
        ownerId = destination.ownerID
        createdAt = destination.createdAt
        updatedAt = destination.updatedAt
    }
}

/// What a client sends for a destination: `name`, `kind`, `settings` (an object) and `secrets` (strings; null removes
/// one, "" keeps it). Read without the snake_case conversion, as settings and secret names are snake_case already.
enum DestinationBody {
    static func input(_ request: HTTPRequest) throws -> DestinationInput {
        struct Typed: Decodable { let name: String?; let kind: String? }
        let typed = try request.json(Typed.self)
        let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
        var input = DestinationInput(name: typed.name, kind: typed.kind)
        if let settings = object["settings"], !(settings is NSNull) {
            guard let settings = settings as? [String: Any],
                  let data = try? JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys]) else {
                throw ValidationErrors([ValidationError(field: "settings", message: "must be an object")])
            }
            input.settingsJSON = String(decoding: data, as: UTF8.self)
        }
        if let secrets = object["secrets"], !(secrets is NSNull) {
            guard let secrets = secrets as? [String: Any] else {
                throw ValidationErrors([ValidationError(field: "secrets", message: "must be an object of strings")])
            }
            for (key, value) in secrets {
                switch value {
                case is NSNull: input.secrets[key] = .some(nil)
                case let text as String: input.secrets[key] = text
                default: throw ValidationErrors([ValidationError(field: "secrets.\(key)", message: "must be a string, or null to remove it")])
                }
            }
        }
        return input
    }
}

/// `/api/v1/destinations`: the same `DestinationService` (and `DestinationTester`) the pages and `herald destination` call.
enum DestinationsAPI {
    static func service(_ context: RequestContext) throws -> DestinationService {
        DestinationService(connection: try context.store(), deliveryRoot: context.settings.deliveryRoot, keyring: try context.settings.keyring())
    }

    /// The service names the folder `path` (as the form does); the API's field is `settings.path`.
    static func apiFields<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ValidationErrors {
            throw ValidationErrors(error.errors.map { ["path", "filename", "naming"].contains($0.field) ? ValidationError(field: "settings.\($0.field)", message: $0.message) : $0 })
        }
    }

    /// A connection test's answer: 200 either way; `ok` says whether it passed.
    struct TestJSON: Encodable { let ok: Bool; let detail: String; let category: String? }

    static func register(_ router: inout Router) {
        router.get("/api/v1/destinations", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.items.map(DestinationJSON.init), nextCursor: page.nextAfter.map(ListRequest.cursor)))
        }
        router.post("/api/v1/destinations", .signedIn(.creator)) { context in
            let input = try DestinationBody.input(context.request)
            return try .json(DestinationJSON(try apiFields { try service(context).create(input, actor: context.actor) }), status: .created)
        }
        router.get("/api/v1/destinations/:id", .signedIn(.creator)) { context in
            try .json(DestinationJSON(try service(context).get(try context.id("id", "destination"), actor: context.actor)))
        }
        for (method, replacing) in [("PUT", true), ("PATCH", false)] {
            router.add(method, "/api/v1/destinations/:id", .signedIn(.creator)) { context in
                let id = try context.id("id", "destination")
                let input = try DestinationBody.input(context.request)
                return try .json(DestinationJSON(try apiFields { try service(context).update(id, input, actor: context.actor, replacing: replacing) }))
            }
        }
        router.delete("/api/v1/destinations/:id", .signedIn(.creator)) { context in
            try service(context).delete(try context.id("id", "destination"), actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
        router.post("/api/v1/destinations/:id/test", .signedIn(.creator)) { context in
            let id = try context.id("id", "destination")
            let result = try DestinationTester(destinations: try service(context), environment: try context.channelsWithSystemEmail()).test(id, actor: context.actor)
            return try .json(TestJSON(ok: result.ok, detail: result.detail, category: result.category))
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
            "/api/v1/destinations/{id}/test": [
                "parameters": OpenAPI.idParameters(["id"]),
                "post": ["summary": "Connect to the destination and check what a delivery needs; names the failing step, never a secret",
                         "operationId": "testDestination",
                         "responses": ["200": OpenAPI.json(OpenAPI.ref("DestinationTest"), "What the test found")].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
            ],
        ], schemas: [
            "Destination": [
                "type": "object", "required": ["id", "name", "kind", "settings", "secrets_set", "owner_id", "created_at", "updated_at"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "kind": ["type": "string", "enum": ["folder", "email", "sftp", "ftp", "s3", "azure", "gcs", "webhook"]],
                    "settings": ["type": "object", "description": "The kind's settings (a folder: path, filename, naming; email: to, cc, bcc, subject, body_md, attach, smtp ...); never a secret"],
                    "secrets_set": ["type": "array", "items": ["type": "string"], "readOnly": true, "description": "Which secrets are set; their values are never returned"],
                    "owner_id": ["type": ["string", "null"], "format": "uuid", "description": "null: shared with every creator"],
                    "created_at": ["type": "string", "format": "date-time"], "updated_at": ["type": "string", "format": "date-time"],
                ],
            ],
            "DestinationInput": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200],
                    "kind": ["type": "string", "enum": DestinationService.kinds, "default": "folder"],
                    "settings": ["type": "object", "description": "The kind's settings; on PATCH the keys given replace the stored ones and null removes one. A folder's path is a sub-folder of HERALD_DELIVERY_ROOT: relative, no . or .., no symbolic links"],
                    "secrets": ["type": "object", "additionalProperties": ["type": ["string", "null"]], "writeOnly": true,
                                "description": "Secret values by name (password, private_key, smtp_password, secret_access_key, sas_token, token, signing_secret, url); \"\" keeps the stored one, null removes it"],
                ],
            ],
            "DestinationTest": [
                "type": "object", "required": ["ok", "detail"],
                "properties": ["ok": ["type": "boolean"], "detail": ["type": "string"], "category": ["type": ["string", "null"]]],
            ],
        ])
    }
}
