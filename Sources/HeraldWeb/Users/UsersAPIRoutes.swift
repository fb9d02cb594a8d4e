import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/users` (admins): list, create, read, replace, change and disable accounts through `UserService`.
/// `DELETE` disables: an account is never erased, so its audit trail and its schedules keep their owner.
enum UsersAPIRoutes {
    struct CreateRequest: Decodable {
        let email: String
        let displayName: String?
        let role: UserRole
        let timeZone: String?
        let password: String?
    }

    /// PUT: every field but the password; PATCH: any of them.
    struct ReplaceRequest: Decodable {
        let displayName: String
        let role: UserRole
        let timeZone: String
        let disabled: Bool
        let password: String?
    }

    struct ChangeRequest: Decodable {
        let displayName: String?
        let role: UserRole?
        let timeZone: String?
        let disabled: Bool?
        let password: String?
    }

    static func register(_ router: inout Router) {
        router.get("/api/v1/users", .signedIn(.admin)) { context in
            let list = try ListRequest(context.request)
            let page = try UserService(connection: try context.store()).list(actor: context.actor, after: list.after, limit: list.limit)
            return try .json(ListPage(items: page.users.map(UserJSON.init), nextCursor: page.next.map(ListRequest.cursor)))
        }
        router.post("/api/v1/users", .signedIn(.admin)) { context in
            let input = try context.request.json(CreateRequest.self)
            let created = try UserService(connection: try context.store()).create(actor: context.actor, UserService.NewUserInput(
                email: input.email, displayName: input.displayName ?? "", role: input.role, timeZone: input.timeZone ?? "UTC",
                password: input.password))
            var response = try HTTPResponse.json(CreatedUserJSON(user: UserJSON(created.user), generatedPassword: created.generatedPassword),
                                                 status: .created)
            response.headers.append(("Location", "/api/v1/users/\(created.user.id.uuidString.lowercased())"))
            return response
        }
        router.get("/api/v1/users/:id", .signedIn(.admin)) { context in
            try .json(UserJSON(try UserService(connection: try context.store()).get(actor: context.actor, id: try context.id("id", "user"))))
        }
        router.put("/api/v1/users/:id", .signedIn(.admin)) { context in
            let input = try context.request.json(ReplaceRequest.self)
            let user = try UserService(connection: try context.store()).update(actor: context.actor, id: try context.id("id", "user"),
                UserService.Changes(displayName: input.displayName, role: input.role, timeZone: input.timeZone, disabled: input.disabled,
                                    password: input.password))
            return try .json(UserJSON(user))
        }
        router.patch("/api/v1/users/:id", .signedIn(.admin)) { context in
            let input = try context.request.json(ChangeRequest.self)
            let user = try UserService(connection: try context.store()).update(actor: context.actor, id: try context.id("id", "user"),
                UserService.Changes(displayName: input.displayName, role: input.role, timeZone: input.timeZone, disabled: input.disabled,
                                    password: input.password))
            return try .json(UserJSON(user))
        }
        router.delete("/api/v1/users/:id", .signedIn(.admin)) { context in
            try UserService(connection: try context.store()).setDisabled(actor: context.actor, id: try context.id("id", "user"), true)
            return HTTPResponse(status: .noContent)
        }
    }
}
