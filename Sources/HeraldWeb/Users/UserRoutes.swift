/// Everything about people: `/account`, `/admin/users`, `/admin/email`, `/admin/audit`, and their API (`/api/v1/auth`,
/// `/me`, `/users`, `/admin/email`).
enum UserRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        AccountPageRoutes.register(&router, templates: templates)
        AdminUserRoutes.register(&router, templates: templates)
        SystemEmailRoutes.register(&router, templates: templates)
        SystemEmailAPI.register(&router)
        AuditRoutes.register(&router, templates: templates)
        AuthAPIRoutes.register(&router)
        UsersAPIRoutes.register(&router)
    }
}
