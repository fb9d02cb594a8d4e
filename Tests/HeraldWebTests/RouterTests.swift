import Testing
@testable import HeraldWeb

struct RouterTests {
    static let ok: Router.Handler = { _ in .text("ok") }

    func router() -> Router {
        var router = Router()
        router.get("/schedules", Self.ok)
        router.post("/schedules", Self.ok)
        router.get("/schedules/:id", Self.ok)
        router.delete("/schedules/:id", Self.ok)
        router.get("/schedules/:id/runs/:run", Self.ok)
        return router
    }

    @Test func capturesPathParameters() {
        guard case .found(_, let parameters, let pattern) = router().match(method: "GET", path: "/schedules/42/runs/7") else {
            Issue.record("no match"); return
        }
        #expect(parameters == ["id": "42", "run": "7"])
        #expect(pattern == "/schedules/:id/runs/:run")
    }

    @Test func ignoresATrailingSlashAndMatchesExactSegments() {
        guard case .found(_, _, let pattern) = router().match(method: "GET", path: "/schedules/") else { Issue.record("no match"); return }
        #expect(pattern == "/schedules")
        guard case .notFound = router().match(method: "GET", path: "/schedulesX") else { Issue.record("matched a prefix"); return }
        guard case .notFound = router().match(method: "GET", path: "/schedules/1/runs") else { Issue.record("matched too short"); return }
    }

    @Test func answersHeadWithGetRoutes() {
        guard case .found = router().match(method: "HEAD", path: "/schedules/9") else { Issue.record("HEAD not routed"); return }
    }

    @Test func reportsTheAllowedMethodsForAKnownPath() {
        guard case .methodNotAllowed(let allowed) = router().match(method: "PUT", path: "/schedules/9") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == ["DELETE", "GET", "HEAD"])
    }

    @Test func reportsNotFoundForAnUnknownPath() {
        guard case .notFound = router().match(method: "GET", path: "/nowhere") else { Issue.record("expected 404"); return }
    }
}
