import Foundation

/// `/healthz`, `/readyz`, `/`, `/status` and `GET /api/v1/status`.
enum StatusRoutes {
    static func register(_ router: inout Router, templates: Templates, checks: ThreadConfined<[any ReadinessCheck]>) {
        router.get("/healthz", .anyone) { _ in try HealthHandlers.liveness() }
        router.get("/readyz", .anyone) { _ in try HealthHandlers.readiness(checks.value) }
        router.get("/", .anyone) { context in
            .redirect(to: context.principal == nil ? "/login" : "/schedules")
        }
        router.get("/status", .signedIn(.viewer)) { context in
            let zone = context.principal!.timeZone
            let view = StatusPageView(chrome: PageChrome(title: "Status", context: context),
                                      results: checks.value.map { ($0.name, $0.run()) },
                                      snapshot: try StatusSnapshot.load(context, zone: zone), zone: zone)
            return .html(try templates.render(view, template: "pages/status"))
        }
        router.get("/api/v1/status", .signedIn(.viewer)) { context in
            try .json(StatusSnapshot.load(context, zone: "UTC"))
        }
    }
}
