/// Everything about people: `/account`, `/admin/users`, `/admin/audit`, and their API (`/api/v1/auth`, `/me`, `/users`).
enum UserRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        AccountPageRoutes.register(&router, templates: templates)
        AdminUserRoutes.register(&router, templates: templates)
        AuditRoutes.register(&router, templates: templates)
        AuthAPIRoutes.register(&router)
        UsersAPIRoutes.register(&router)
    }
}
