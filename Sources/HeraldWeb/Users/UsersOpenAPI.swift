/// The OpenAPI part for `/api/v1/auth`, `/api/v1/me` and `/api/v1/users`.
extension OpenAPIDocument {
    static var users: Part {
        let uuid: [String: Any] = ["type": "string", "format": "uuid"]
        let instant: [String: Any] = ["type": "string", "format": "date-time"]
        let nullableInstant: [String: Any] = ["type": ["string", "null"], "format": "date-time"]
        let role: [String: Any] = ["type": "string", "enum": ["admin", "creator", "viewer"]]
        let zone: [String: Any] = ["type": "string", "description": "An IANA time zone such as Europe/Berlin", "examples": ["Europe/Berlin"]]
        let password: [String: Any] = ["type": "string", "writeOnly": true, "minLength": 8, "maxLength": 256]
        let userProperties: [String: Any] = [
            "id": uuid, "email": ["type": "string", "format": "email"], "display_name": ["type": "string", "maxLength": 100],
            "role": role, "time_zone": zone, "disabled": ["type": "boolean"],
        ]
        let userRequired = ["id", "email", "display_name", "role", "time_zone", "disabled"]
        let userID = OpenAPI.idParameters(["id"])
        func body(_ schema: String) -> [String: Any] {
            ["required": true, "content": ["application/json": ["schema": OpenAPI.ref(schema)]]]
        }
        func responses(_ ok: [String: Any], _ errors: [String]) -> [String: Any] {
            ok.merging(OpenAPI.errors(errors)) { a, _ in a }
        }
        let adminErrors = ["401", "403"]
        let alertSettings = AlertRuleJSON.settingsProperties(nullMeans: "the standard rule's (email and in-app, every HERALD_ALERT_EVERY'th failure, recovery)")
        return Part(paths: [
            "/api/v1/auth/token": ["post": [
                "summary": "Exchange an e-mail and password for a bearer token (shown only in this answer)",
                "operationId": "createTokenWithPassword", "security": [[String: Any]](),
                "requestBody": body("TokenRequest"),
                "responses": responses(["201": OpenAPI.json(OpenAPI.ref("IssuedToken"), "The new token")],
                                       ["400", "401", "403", "415", "422", "429"]),
            ]],
            "/api/v1/auth/tokens": ["get": [
                "summary": "The caller's API tokens that are not revoked (never the tokens themselves)", "operationId": "listTokens",
                "responses": responses(["200": OpenAPI.json(OpenAPI.listOf("ApiToken"), "The caller's tokens, newest first")], ["401"]),
            ]],
            "/api/v1/auth/tokens/{id}": ["delete": [
                "summary": "Revoke one of the caller's tokens", "operationId": "revokeToken", "parameters": userID,
                "responses": responses(["204": ["description": "Revoked"]], ["401", "403", "404"]),
            ]],
            "/api/v1/me": [
                "get": [
                    "summary": "Who the caller is", "operationId": "me",
                    "responses": responses(["200": OpenAPI.json(OpenAPI.ref("Me"), "The signed-in user")], ["401"]),
                ],
                "patch": [
                    "summary": "Change the caller's own weekly summary and owner-alert settings (the defaults of their schedules)",
                    "operationId": "updateMe", "requestBody": body("MeChange"),
                    "responses": responses(["200": OpenAPI.json(OpenAPI.ref("Me"), "The signed-in user as stored")],
                                           ["400", "401", "415", "422"]),
                ],
            ],
            "/api/v1/users": [
                "get": [
                    "summary": "Users by e-mail (admins)", "operationId": "listUsers", "parameters": OpenAPI.listParameters,
                    "responses": responses(["200": OpenAPI.json(OpenAPI.listOf("User"), "One page of users")], adminErrors + ["422"]),
                ],
                "post": [
                    "summary": "Add a user (admins); without a password one is generated and returned once", "operationId": "createUser",
                    "requestBody": body("UserCreate"),
                    "responses": responses(["201": OpenAPI.json(OpenAPI.ref("CreatedUser"), "The new user")],
                                           adminErrors + ["400", "415", "422"]),
                ],
            ],
            "/api/v1/users/{id}": [
                "get": [
                    "summary": "One user (admins)", "operationId": "getUser", "parameters": userID,
                    "responses": responses(["200": OpenAPI.json(OpenAPI.ref("User"), "The user")], adminErrors + ["404"]),
                ],
                "put": [
                    "summary": "Replace a user's name, role, zone and status (admins); a password resets it", "operationId": "replaceUser",
                    "parameters": userID, "requestBody": body("UserReplace"),
                    "responses": responses(["200": OpenAPI.json(OpenAPI.ref("User"), "The user as stored")],
                                           adminErrors + ["400", "404", "409", "415", "422"]),
                ],
                "patch": [
                    "summary": "Change some of a user's fields (admins); disabling or a password ends their sessions and tokens",
                    "operationId": "updateUser", "parameters": userID, "requestBody": body("UserChange"),
                    "responses": responses(["200": OpenAPI.json(OpenAPI.ref("User"), "The user as stored")],
                                           adminErrors + ["400", "404", "409", "415", "422"]),
                ],
                "delete": [
                    "summary": "Disable a user (admins): accounts are never erased, so their history keeps its owner",
                    "operationId": "disableUser", "parameters": userID,
                    "responses": responses(["204": ["description": "Disabled"]], adminErrors + ["404", "409"]),
                ],
            ],
        ], schemas: [
            "TokenRequest": [
                "type": "object", "required": ["email", "password", "name"],
                "properties": ["email": ["type": "string"], "password": ["type": "string", "writeOnly": true],
                               "name": ["type": "string", "minLength": 1, "maxLength": 80],
                               "expires_at": ["type": ["string", "null"], "format": "date-time",
                                              "description": "When the token stops working; 90 days from now when absent"]],
            ],
            "IssuedToken": [
                "type": "object", "required": ["id", "token", "expires_at"],
                "properties": ["id": uuid, "token": ["type": "string"], "expires_at": nullableInstant],
            ],
            "ApiToken": [
                "type": "object", "required": ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"],
                "properties": ["id": uuid, "name": ["type": "string"], "prefix": ["type": "string"], "created_at": instant,
                               "last_used_at": nullableInstant, "expires_at": nullableInstant],
            ],
            "Me": [
                "type": "object",
                "required": ["id", "email", "display_name", "role", "time_zone", "weekly_summary", "alert_rule"] + alertSettings.keys.sorted(),
                "properties": userProperties.filter { $0.key != "disabled" }.merging([
                    "weekly_summary": ["type": "boolean", "description": "Whether the weekly summary email is on (set on /account)"],
                    "alert_rule": AlertRuleJSON.schema(schedule: false),
                ]) { a, _ in a }.merging(alertSettings) { a, _ in a },
            ],
            "MeChange": [
                "type": "object", "description": "Only the fields given change",
                "properties": alertSettings.merging(["weekly_summary": ["type": "boolean"]]) { a, _ in a },
            ],
            "User": ["type": "object", "required": userRequired, "properties": userProperties],
            "CreatedUser": [
                "type": "object", "required": userRequired + ["generated_password"],
                "properties": userProperties.merging(["generated_password": [
                    "type": ["string", "null"], "description": "Set only when no password was given: shown only here"]]) { a, _ in a },
            ],
            "UserCreate": [
                "type": "object", "required": ["email", "role"],
                "properties": ["email": ["type": "string"], "display_name": ["type": "string", "maxLength": 100], "role": role,
                               "time_zone": zone, "password": password],
            ],
            "UserReplace": [
                "type": "object", "required": ["display_name", "role", "time_zone", "disabled"],
                "properties": ["display_name": ["type": "string", "maxLength": 100], "role": role, "time_zone": zone,
                               "disabled": ["type": "boolean"], "password": password],
            ],
            "UserChange": [
                "type": "object",
                "properties": ["display_name": ["type": "string", "maxLength": 100], "role": role, "time_zone": zone,
                               "disabled": ["type": "boolean"], "password": password],
            ],
        ])
    }
}
