import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/notifications…`: the caller's own notifications, as the page shows them.
enum NotificationsAPI {
    static func register(_ router: inout Router) {
        router.get("/api/v1/notifications", .signedIn(.viewer)) { context in
            let list = try ListRequest(context.request)
            let unreadOnly: Bool
            switch context.request.queryValue("unread") {
            case nil, "false": unreadOnly = false
            case "true": unreadOnly = true
            default: throw ValidationError(field: "unread", message: "must be true or false")
            }
            let page = try NotificationService(connection: try context.store())
                .list(actor: context.actor, unreadOnly: unreadOnly, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.items.map(NotificationJSON.init), nextCursor: page.next.map(ListRequest.cursor)))
        }
        router.post("/api/v1/notifications/:id/read", .signedIn(.viewer)) { context in
            let id = try context.id("id", "notification")
            return try .json(NotificationJSON(try NotificationService(connection: try context.store()).markRead(id: id, actor: context.actor)))
        }
        router.post("/api/v1/notifications/read-all", .signedIn(.viewer)) { context in
            try NotificationService(connection: try context.store()).markAllRead(actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
    }
}

/// One notification in the API; `execution_id` is always there, `null` when it is not about a run.
struct NotificationJSON: Encodable {
    let id: UUID
    let kind: String
    let title: String
    let body: String
    let executionId: UUID?
    let read: Bool
    let createdAt: Date

    init(_ record: NotificationRecord) {
        id = record.id; kind = record.kind; title = record.title; body = record.body
        executionId = record.executionID; read = record.isRead; createdAt = record.createdAt
    }

    enum CodingKeys: String, CodingKey { case id, kind, title, body, executionId, read, createdAt }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(kind, forKey: .kind); try c.encode(title, forKey: .title)
        try c.encode(body, forKey: .body); try c.encode(executionId, forKey: .executionId); try c.encode(read, forKey: .read)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

extension OpenAPIDocument {
    static var notifications: Part {
        let uuid: [String: Any] = ["type": "string", "format": "uuid"]
        let notification: [String: Any] = [
            "type": "object", "required": ["id", "kind", "title", "body", "execution_id", "read", "created_at"],
            "properties": [
                "id": uuid,
                "kind": ["type": "string", "description": "What it is about: execution.failed, execution.partial, execution.recovered, schedule.broken, schedule.paused or schedule.late"],
                "title": ["type": "string"], "body": ["type": "string"],
                "execution_id": ["type": ["string", "null"], "format": "uuid", "description": "The run it is about, if any"],
                "read": ["type": "boolean"], "created_at": ["type": "string", "format": "date-time"],
            ],
        ]
        let unread: [String: Any] = ["name": "unread", "in": "query", "schema": ["type": "string", "enum": ["true", "false"]],
                                     "description": "true: only unread notifications"]
        return Part(paths: [
            "/api/v1/notifications": ["get": [
                "summary": "Your notifications, newest first", "operationId": "listNotifications",
                "parameters": OpenAPI.listParameters + [unread],
                "responses": ["200": OpenAPI.json(OpenAPI.listOf("Notification"), "One page of notifications")]
                    .merging(OpenAPI.errors(["401", "422"])) { a, _ in a },
            ]],
            "/api/v1/notifications/{id}/read": ["post": [
                "summary": "Mark one of your notifications read (again is fine)", "operationId": "readNotification",
                "parameters": OpenAPI.idParameters(["id"]),
                "responses": ["200": OpenAPI.json(OpenAPI.ref("Notification"), "The notification, read")]
                    .merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a },
            ]],
            "/api/v1/notifications/read-all": ["post": [
                "summary": "Mark all your notifications read", "operationId": "readAllNotifications",
                "responses": ["204": ["description": "All are read"]].merging(OpenAPI.errors(["401", "403"])) { a, _ in a },
            ]],
        ], schemas: ["Notification": notification])
    }
}
