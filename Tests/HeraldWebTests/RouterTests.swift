import Testing
@testable import HeraldWeb

struct RouterTests {
    static let ok: Router.Handler = { _ in .text("ok") }

    func router() -> Router {
        var router = Router()
        router.get("/schedules", .anyone, Self.ok)
        router.post("/schedules", .anyone, Self.ok)
        router.get("/schedules/:id", .anyone, Self.ok)
        router.delete("/schedules/:id", .anyone, Self.ok)
        router.get("/schedules/:id/runs/:run", .anyone, Self.ok)
        return router
    }

    @Test func capturesPathParameters() {
        guard case .found(let route, let parameters) = router().match(method: "GET", path: "/schedules/42/runs/7") else {
            Issue.record("no match"); return
        }
        #expect(parameters == ["id": "42", "run": "7"])
        #expect(route.pattern == "/schedules/:id/runs/:run")
    }

    @Test func ignoresATrailingSlashAndMatchesExactSegments() {
        guard case .found(let route, _) = router().match(method: "GET", path: "/schedules/") else { Issue.record("no match"); return }
        #expect(route.pattern == "/schedules")
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

    @Test func literalSegmentsWinOverParametersWhateverTheOrder() {
        var router = Router()
        router.get("/schedules/:id", .anyone, Self.ok)
        router.get("/schedules/:id/:step", .anyone, Self.ok)
        router.get("/schedules/new", .anyone, Self.ok)
        router.get("/schedules/new/:draft/:step", .anyone, Self.ok)
        router.post("/schedules/:id", .anyone, Self.ok)
        for (path, pattern) in [("/schedules/new", "/schedules/new"), ("/schedules/42", "/schedules/:id"),
                                ("/schedules/new/d1/2", "/schedules/new/:draft/:step"), ("/schedules/42/edit", "/schedules/:id/:step")] {
            guard case .found(let route, _) = router.match(method: "GET", path: path) else { Issue.record("no match for \(path)"); continue }
            #expect(route.pattern == pattern)
        }
        // The literal route decides the methods too: POST /schedules/new is not POST /schedules/:id.
        guard case .methodNotAllowed(let allowed) = router.match(method: "POST", path: "/schedules/new") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == ["GET", "HEAD"])
    }
}
