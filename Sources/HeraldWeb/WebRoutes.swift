/// Every resource's routes, one folder each under `Sources/HeraldWeb/` (its routes, handlers and view models side by
/// side; its templates under `templates/pages/<resource>/`; its part of the OpenAPI document beside its API routes).
/// Status and sign-in are always there (`WebApplication.makeRouter`).
public enum WebRoutes {
    @Sendable public static func register(_ router: inout Router, templates: Templates) {
        OpenAPIRoutes.register(&router)
        ExecutionsRoutes.register(&router, templates: templates)
        CatalogRoutes.register(&router, templates: templates)
        UserRoutes.register(&router, templates: templates)
        ScheduleRoutes.register(&router, templates: templates)
        NotificationRoutes.register(&router, templates: templates)
    }
}
