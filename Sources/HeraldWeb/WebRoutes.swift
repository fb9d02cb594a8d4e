/// Every resource's routes, one folder each (its routes, handlers and view models side by side, its templates
/// under `templates/pages/<resource>/`). Status and sign-in are always there (`WebApplication.makeRouter`).
public enum WebRoutes {
    @Sendable public static func register(_ router: inout Router) {
    }
}
