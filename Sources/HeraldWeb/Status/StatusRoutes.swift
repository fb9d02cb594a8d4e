import Foundation

/// `/healthz`, `/readyz`, `/` and `/status`.
enum StatusRoutes {
    static func register(_ router: inout Router, templates: Templates, checks: ThreadConfined<[any ReadinessCheck]>) {
        router.get("/healthz", .anyone) { _ in try HealthHandlers.liveness() }
        router.get("/readyz", .anyone) { _ in try HealthHandlers.readiness(checks.value) }
        router.get("/", .anyone) { context in
            .redirect(to: context.principal == nil ? "/login" : "/schedules")
        }
        router.get("/status", .signedIn(.viewer)) { context in
            let view = StatusPageView(chrome: PageChrome(title: "Status", context: context),
                                      results: checks.value.map { ($0.name, $0.run()) })
            return .html(try templates.render(view, template: "pages/status"))
        }
    }
}

/// `pages/status`: what `/readyz` checks, for an operator.
struct StatusPageView: Sendable {
    struct Row: Sendable { let name: String; let status: String; let passed: Bool; let detail: String }
    let chrome: PageChrome
    let rows: [Row]

    init(chrome: PageChrome, results: [(String, ReadinessResult)]) {
        self.chrome = chrome
        rows = results.map { name, result in
            let detail = result.output ?? result.observedValue.map { "\($0) \(result.observedUnit ?? "")" } ?? ""
            return Row(name: name, status: result.status.rawValue, passed: result.status == .pass, detail: detail)
        }
    }
}
