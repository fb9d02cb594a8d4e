import Foundation
import HeraldCore
import HeraldStore

/// A distribution template in the API.
struct TemplateJSON: Encodable {
    let id: UUID
    let name: String
    let destinationIds: [UUID]
    let formats: [String]
    let filenamePattern: String
    let naming: String
    let emailSubject: String
    let emailBodyMd: String
    let ownerId: UUID?
    let createdAt: Date
    let updatedAt: Date

    init(_ t: DistributionTemplate) {
        id = t.id; name = t.name; destinationIds = t.destinationIDs; formats = t.formats; filenamePattern = t.filenamePattern
        naming = t.naming; emailSubject = t.emailSubject; emailBodyMd = t.emailBodyMd; ownerId = t.ownerID
        createdAt = t.createdAt; updatedAt = t.updatedAt
    }

    /// `owner_id` is written out when null, as the schema says it is always present.
    func encode(to encoder: any Encoder) throws {
        enum Key: String, CodingKey {
            case id, name, destinationIds, formats, filenamePattern, naming, emailSubject, emailBodyMd, ownerId, createdAt, updatedAt
        }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id); try c.encode(name, forKey: .name); try c.encode(destinationIds, forKey: .destinationIds)
        try c.encode(formats, forKey: .formats); try c.encode(filenamePattern, forKey: .filenamePattern); try c.encode(naming, forKey: .naming)
        try c.encode(emailSubject, forKey: .emailSubject); try c.encode(emailBodyMd, forKey: .emailBodyMd); try c.encode(ownerId, forKey: .ownerId)
        try c.encode(createdAt, forKey: .createdAt); try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// What a client sends for a template (snake_case, converted by the pipeline's decoder).
struct TemplateBody: Decodable {
    let name: String?
    let destinationIds: [UUID]?
    let formats: [String]?
    let filenamePattern: String?
    let naming: String?
    let emailSubject: String?
    let emailBodyMd: String?

    var input: DistributionTemplateInput {
        DistributionTemplateInput(name: name, destinationIDs: destinationIds, formats: formats, filenamePattern: filenamePattern,
                                  naming: naming, emailSubject: emailSubject, emailBodyMd: emailBodyMd)
    }
}

/// `/api/v1/templates`: the same `DistributionTemplateService` the pages call.
enum TemplatesAPI {
    static func service(_ context: RequestContext) throws -> DistributionTemplateService {
        DistributionTemplateService(connection: try context.store())
    }

    static func register(_ router: inout Router) {
        router.get("/api/v1/templates", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.items.map(TemplateJSON.init), nextCursor: page.nextAfter.map(ListRequest.cursor)))
        }
        router.post("/api/v1/templates", .signedIn(.creator)) { context in
            let body = try context.request.json(TemplateBody.self)
            let created = try service(context).create(body.input, actor: context.actor)
            var response = try HTTPResponse.json(TemplateJSON(created), status: .created)
            response.headers.append(("Location", "/api/v1/templates/\(created.id.uuidString.lowercased())"))
            return response
        }
        router.get("/api/v1/templates/:id", .signedIn(.creator)) { context in
            try .json(TemplateJSON(try service(context).get(try context.id("id", "template"), actor: context.actor)))
        }
        for (method, replacing) in [("PUT", true), ("PATCH", false)] {
            router.add(method, "/api/v1/templates/:id", .signedIn(.creator)) { context in
                let id = try context.id("id", "template")
                let body = try context.request.json(TemplateBody.self)
                return try .json(TemplateJSON(try service(context).update(id, body.input, actor: context.actor, replacing: replacing)))
            }
        }
        router.delete("/api/v1/templates/:id", .signedIn(.creator)) { context in
            try service(context).delete(try context.id("id", "template"), actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
    }
}

extension OpenAPIDocument {
    static var templates: Part {
        let body = ["application/json": ["schema": OpenAPI.ref("TemplateInput")]]
        let one = OpenAPI.json(OpenAPI.ref("Template"), "The template")
        let uuid: [String: Any] = ["type": "string", "format": "uuid"]
        let writable: [String: Any] = [
            "name": ["type": "string", "minLength": 1, "maxLength": 200],
            "destination_ids": ["type": "array", "items": uuid, "minItems": 1,
                                "description": "Destinations the caller may use; an email destination's recipients are its own"],
            "formats": ["type": "array", "items": ["type": "string", "enum": ScheduleService.formats], "minItems": 1],
            "filename_pattern": ["type": "string", "maxLength": 200], "naming": ["type": "string", "enum": ["overwrite", "timestamp"]],
            "email_subject": ["type": "string", "maxLength": 500, "description": "Subject for email destinations (one line); empty: each destination's own"],
            "email_body_md": ["type": "string", "maxLength": 20000, "description": "Markdown body for email destinations; empty: each destination's own"],
        ]
        var readable = writable
        readable["id"] = uuid
        readable["owner_id"] = ["type": ["string", "null"], "format": "uuid", "description": "null: shared with every creator (made by an admin)"]
        readable["created_at"] = ["type": "string", "format": "date-time"]
        readable["updated_at"] = ["type": "string", "format": "date-time"]
        return Part(paths: [
            "/api/v1/templates": [
                "get": ["summary": "Distribution templates the caller may use (their own and shared ones; admins: all)", "operationId": "listTemplates",
                        "parameters": OpenAPI.listParameters,
                        "responses": ["200": OpenAPI.json(OpenAPI.listOf("Template"), "A page of templates")].merging(OpenAPI.errors(["400", "401", "403", "422"])) { a, _ in a }],
                "post": ["summary": "Create a distribution template (an admin's is shared)", "operationId": "createTemplate",
                         "requestBody": ["required": true, "content": body],
                         "responses": ["201": one].merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
            ],
            "/api/v1/templates/{id}": [
                "parameters": OpenAPI.idParameters(["id"]),
                "get": ["summary": "A distribution template", "operationId": "getTemplate",
                        "responses": ["200": one].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
                "put": ["summary": "Replace a distribution template (missing fields take their defaults)", "operationId": "replaceTemplate",
                        "requestBody": ["required": true, "content": body],
                        "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "patch": ["summary": "Change some fields of a distribution template", "operationId": "updateTemplate",
                          "requestBody": ["required": true, "content": body],
                          "responses": ["200": one].merging(OpenAPI.errors(["400", "401", "403", "404", "415", "422"])) { a, _ in a }],
                "delete": ["summary": "Delete a distribution template (schedules keep what they copied from it)", "operationId": "deleteTemplate",
                           "responses": ["204": ["description": "Deleted"]].merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a }],
            ],
        ], schemas: [
            "Template": ["type": "object", "required": readable.keys.sorted(), "properties": readable],
            "TemplateInput": ["type": "object", "properties": writable],
        ])
    }
}
