import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/admin/email` (admins): the same `SystemEmailService` as `/admin/email`. GET says whether a password is
/// stored, never its value; PUT replaces the server (a missing or "" password keeps the stored one,
/// `remove_password` clears it); `/test` sends a test email with the saved settings.
enum SystemEmailAPI {
    /// Every field is always present; null when no server is saved (`configured` false).
    struct SystemEmailJSON: Encodable {
        let setup: SystemEmailService.Setup?

        enum Keys: String, CodingKey { case configured, host, port, security, username, fromAddress, fromName, passwordSet, updatedAt }

        func encode(to encoder: any Encoder) throws {
            var out = encoder.container(keyedBy: Keys.self)
            try out.encode(setup != nil, forKey: .configured)
            func put<T: Encodable>(_ value: T?, _ key: Keys) throws {
                if let value { try out.encode(value, forKey: key) } else { try out.encodeNil(forKey: key) }
            }
            try put(setup?.server.host, .host)
            try put(setup?.server.port, .port)
            try put(setup?.server.security.rawValue, .security)
            try put(setup?.server.username, .username)
            try put(setup?.server.fromAddress, .fromAddress)
            try put(setup?.server.fromName, .fromName)
            try out.encode(setup?.passwordSet ?? false, forKey: .passwordSet)
            try put(setup?.updatedAt, .updatedAt)
        }
    }

    struct Body: Decodable {
        let host: String?
        let port: Int?
        let security: String?
        let username: String?
        let fromAddress: String?
        let fromName: String?
        let password: String?
        let removePassword: Bool?
    }

    struct TestBody: Decodable { let to: String? }

    static func register(_ router: inout Router) {
        router.get("/api/v1/admin/email", .signedIn(.admin)) { context in
            try .json(SystemEmailJSON(setup: try SystemEmailRoutes.service(context).get(actor: context.actor)))
        }
        router.add("PUT", "/api/v1/admin/email", .signedIn(.admin)) { context in
            let body = try context.request.json(Body.self)
            let input = SystemEmailService.Input(host: body.host ?? "", port: body.port.map(String.init) ?? "", security: body.security ?? "starttls",
                                                 username: body.username ?? "", fromAddress: body.fromAddress ?? "", fromName: body.fromName ?? "",
                                                 password: body.password, removePassword: body.removePassword ?? false)
            return try .json(SystemEmailJSON(setup: try SystemEmailRoutes.service(context).save(input, actor: context.actor)))
        }
        router.post("/api/v1/admin/email/test", .signedIn(.admin)) { context in
            let body = context.request.body.isEmpty ? TestBody(to: nil) : try context.request.json(TestBody.self)
            let address = (body.to ?? "").isEmpty ? context.principal?.email ?? "" : body.to ?? ""
            do throws(ValidationError) {
                _ = try EmailAddress(address)
            } catch {
                throw ValidationErrors([ValidationError(field: "to", message: error.message)])
            }
            let service = try SystemEmailRoutes.service(context)
            guard try service.load() != nil else { throw Conflict("No SMTP server is saved yet: PUT /api/v1/admin/email first.") }
            return try .json(try SystemEmailTest.send(to: address, service: service, environment: context.settings.channels))
        }
    }
}

extension OpenAPIDocument {
    static var systemEmail: Part {
        Part(paths: [
            "/api/v1/admin/email": [
                "get": ["summary": "The SMTP server email destinations without their own and owner alerts send through (admins)",
                        "operationId": "getSystemEmail",
                        "responses": ["200": OpenAPI.json(OpenAPI.ref("SystemEmail"), "The server; configured false when none is saved")]
                            .merging(OpenAPI.errors(["401", "403"])) { a, _ in a }],
                "put": ["summary": "Save the SMTP server (admins); a missing or empty password keeps the stored one",
                        "operationId": "putSystemEmail",
                        "requestBody": ["required": true, "content": ["application/json": ["schema": OpenAPI.ref("SystemEmailInput")]]],
                        "responses": ["200": OpenAPI.json(OpenAPI.ref("SystemEmail"), "The server as saved")]
                            .merging(OpenAPI.errors(["400", "401", "403", "415", "422"])) { a, _ in a }],
            ],
            "/api/v1/admin/email/test": [
                "post": ["summary": "Send a test email with the saved settings (to the caller unless `to` is given); names the failing step, never the password",
                         "operationId": "testSystemEmail",
                         "requestBody": ["required": false, "content": ["application/json": ["schema": OpenAPI.ref("SystemEmailTestInput")]]],
                         "responses": ["200": OpenAPI.json(OpenAPI.ref("SystemEmailTest"), "What the test found")]
                            .merging(OpenAPI.errors(["400", "401", "403", "409", "415", "422"])) { a, _ in a }],
            ],
        ], schemas: [
            "SystemEmail": [
                "type": "object",
                "required": ["configured", "host", "port", "security", "username", "from_address", "from_name", "password_set", "updated_at"],
                "properties": [
                    "configured": ["type": "boolean"],
                    "host": ["type": ["string", "null"]],
                    "port": ["type": ["integer", "null"], "description": "null: the security's usual port (587, 465 or 25)"],
                    "security": ["type": ["string", "null"], "enum": ["starttls", "tls", "plain", NSNull()]],
                    "username": ["type": ["string", "null"]],
                    "from_address": ["type": ["string", "null"]],
                    "from_name": ["type": ["string", "null"]],
                    "password_set": ["type": "boolean", "readOnly": true, "description": "Whether a password is stored; it is never returned"],
                    "updated_at": ["type": ["string", "null"], "format": "date-time"],
                ],
            ],
            "SystemEmailInput": [
                "type": "object", "required": ["host", "security", "from_address"],
                "properties": [
                    "host": ["type": "string"],
                    "port": ["type": ["integer", "null"], "minimum": 1, "maximum": 65535],
                    "security": ["type": "string", "enum": ["starttls", "tls", "plain"]],
                    "username": ["type": ["string", "null"]],
                    "from_address": ["type": "string", "format": "email"],
                    "from_name": ["type": ["string", "null"]],
                    "password": ["type": ["string", "null"], "writeOnly": true, "description": "Missing, null or \"\": keep the stored one"],
                    "remove_password": ["type": "boolean", "default": false],
                ],
            ],
            "SystemEmailTestInput": [
                "type": "object",
                "properties": ["to": ["type": ["string", "null"], "description": "Missing: the caller's own address"]],
            ],
            "SystemEmailTest": [
                "type": "object", "required": ["ok", "detail"],
                "properties": ["ok": ["type": "boolean"], "detail": ["type": "string"], "category": ["type": ["string", "null"]]],
            ],
        ])
    }
}
