import Foundation
import HeraldCore
import HeraldStore

/// `/admin/users` (admins): the list, a new account, and each account's role, disabling and password reset, all
/// through `UserService`. A generated password is shown once, on the page that answers the POST.
enum AdminUserRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/admin/users", .signedIn(.admin)) { context in
            let list = try ListRequest(context.request)
            let page = try UserService(connection: try context.store()).list(actor: context.actor, after: list.after, limit: list.limit)
            let view = AdminUsersView(chrome: PageChrome(title: "Users", context: context, section: "admin/users"),
                                      users: page.users.map(AdminUsersView.Row.init), hasUsers: !page.users.isEmpty,
                                      nextHref: page.next.map { "/admin/users?cursor=\(ListRequest.cursor($0))" })
            return .html(try templates.render(view, template: "pages/admin/users"))
        }
        router.get("/admin/users/new", .signedIn(.admin)) { context in
            try newUserPage(context, templates: templates, input: UserService.NewUserInput(email: "", role: .viewer))
        }
        router.post("/admin/users", .signedIn(.admin)) { context in
            let form = try context.request.form()
            let role = UserRole(rawValue: form["role"]?.first ?? "")
            let password = form["password"]?.first ?? ""
            let input = UserService.NewUserInput(email: form["email"]?.first ?? "", displayName: form["display_name"]?.first ?? "",
                                                 role: role ?? .viewer, timeZone: form["time_zone"]?.first ?? "UTC",
                                                 password: password.isEmpty ? nil : password)
            do {
                guard role != nil else { throw ValidationError(field: "role", message: "must be chosen: viewer, creator or admin") }
                let created = try UserService(connection: try context.store()).create(actor: context.actor, input)
                guard let generated = created.generatedPassword else {
                    return .redirect(to: "/admin/users/\(created.user.id.uuidString.lowercased())?done=created")
                }
                return try secretPage(context, templates: templates, user: created.user, password: generated, created: true)
            } catch {
                guard let errors = FormErrors.from(error, labels: labels, links: links) else { throw error }
                return try newUserPage(context, templates: templates, input: input, role: role, errors: errors)
            }
        }
        router.get("/admin/users/:id", .signedIn(.admin)) { context in
            let user = try UserService(connection: try context.store()).get(actor: context.actor, id: try context.id("id", "user"))
            return try userPage(context, templates: templates, user: user)
        }
        router.post("/admin/users/:id/role", .signedIn(.admin)) { context in
            let id = try context.id("id", "user")
            guard let role = UserRole(rawValue: try context.request.form()["role"]?.first ?? "") else {
                throw ValidationError(field: "role", message: "must be viewer, creator or admin")
            }
            try UserService(connection: try context.store()).changeRole(actor: context.actor, id: id, to: role)
            return .redirect(to: "/admin/users/\(id.uuidString.lowercased())?done=saved")
        }
        for (action, disabled) in [("disable", true), ("enable", false)] {
            router.post("/admin/users/:id/\(action)", .signedIn(.admin)) { context in
                let id = try context.id("id", "user")
                try UserService(connection: try context.store()).setDisabled(actor: context.actor, id: id, disabled)
                return .redirect(to: "/admin/users/\(id.uuidString.lowercased())?done=\(disabled ? "user-disabled" : "user-enabled")")
            }
        }
        router.post("/admin/users/:id/password", .signedIn(.admin)) { context in
            let id = try context.id("id", "user")
            let password = try context.request.form()["password"]?.first ?? ""
            let service = UserService(connection: try context.store())
            do {
                let generated = try service.resetPassword(actor: context.actor, id: id, to: password.isEmpty ? nil : password)
                guard let generated else { return .redirect(to: "/admin/users/\(id.uuidString.lowercased())?done=user-password") }
                return try secretPage(context, templates: templates, user: try service.get(actor: context.actor, id: id),
                                      password: generated, created: false)
            } catch {
                guard let errors = FormErrors.from(error, labels: labels, links: links) else { throw error }
                return try userPage(context, templates: templates, user: try service.get(actor: context.actor, id: id), errors: errors)
            }
        }
    }

    static let labels = ["email": "E-mail", "display_name": "Name", "time_zone": "Time zone", "password": "Password", "role": "Role"]
    /// The role radios' first input.
    static let links = ["role": "#role-viewer"]

    static func roleChoices(_ selected: UserRole?) -> [RoleChoice] {
        [RoleChoice(value: "viewer", label: "Viewer", hint: "Sees the schedules shared with them and their runs; changes nothing.", selected: selected == .viewer),
         RoleChoice(value: "creator", label: "Creator", hint: "Creates reports and schedules of their own and shares them.", selected: selected == .creator),
         RoleChoice(value: "admin", label: "Admin", hint: "Does everything, including users and data sources.", selected: selected == .admin)]
    }

    static func newUserPage(_ context: RequestContext, templates: Templates, input: UserService.NewUserInput, role: UserRole? = nil,
                            errors: FormErrors = FormErrors()) throws -> HTTPResponse {
        let view = NewUserView(chrome: PageChrome(title: errors.title("Add a user"), context: context, section: "admin/users"),
                               errors: errors, email: input.email, displayName: input.displayName,
                               roles: roleChoices(errors.any ? role : nil), zones: UserZoneChoices.options(selected: input.timeZone))
        return .html(try templates.render(view, template: "pages/admin/user-new"), status: errors.any ? .unprocessableContent : .ok)
    }

    static func userPage(_ context: RequestContext, templates: Templates, user: User, errors: FormErrors = FormErrors()) throws -> HTTPResponse {
        let zone = context.principal!.timeZone
        let view = AdminUserView(chrome: PageChrome(title: errors.title(user.name), context: context, section: "admin/users"),
                                 errors: errors, id: user.id.uuidString.lowercased(), email: user.email,
                                 name: user.name, displayName: user.displayName, role: user.role.rawValue, timeZone: user.timeZone,
                                 created: TimeView(user.createdAt, zone: zone), disabled: user.disabledAt.map { TimeView($0, zone: zone) },
                                 isDisabled: user.isDisabled, isSelf: context.principal?.userID == user.id, roles: roleChoices(user.role))
        return .html(try templates.render(view, template: "pages/admin/user"), status: errors.any ? .unprocessableContent : .ok)
    }

    static func secretPage(_ context: RequestContext, templates: Templates, user: User, password: String, created: Bool) throws -> HTTPResponse {
        let view = UserSecretView(chrome: PageChrome(title: created ? "User added" : "Password reset", context: context, section: "admin/users"),
                                  heading: created ? "User added" : "Password reset", id: user.id.uuidString.lowercased(),
                                  email: user.email, password: password)
        return .html(try templates.render(view, template: "pages/admin/user-secret"))
    }
}

struct RoleChoice: Sendable, Encodable { let value: String; let label: String; let hint: String; let selected: Bool }

/// `pages/admin/users`.
struct AdminUsersView: Sendable, Encodable {
    struct Row: Sendable, Encodable {
        let href: String, name: String, email: String, role: String, timeZone: String, disabled: Bool
        init(_ user: User) {
            href = "/admin/users/\(user.id.uuidString.lowercased())"
            name = user.name
            email = user.email
            role = user.role.rawValue
            timeZone = user.timeZone
            disabled = user.isDisabled
        }
    }
    let chrome: PageChrome
    let users: [Row]
    let hasUsers: Bool
    let nextHref: String?
}

/// `pages/admin/user-new`.
struct NewUserView: Sendable, Encodable {
    let chrome: PageChrome
    let errors: FormErrors
    let email: String
    let displayName: String
    let roles: [RoleChoice]
    let zones: [UserZoneChoices.Option]
}

/// `pages/admin/user`.
struct AdminUserView: Sendable, Encodable {
    let chrome: PageChrome
    let errors: FormErrors
    let id: String
    let email: String
    let name: String
    let displayName: String
    let role: String
    let timeZone: String
    let created: TimeView
    let disabled: TimeView?
    let isDisabled: Bool
    let isSelf: Bool
    let roles: [RoleChoice]
}

/// `pages/admin/user-secret`: a generated password, shown once.
struct UserSecretView: Sendable, Encodable {
    let chrome: PageChrome
    let heading: String
    let id: String
    let email: String
    let password: String
}
