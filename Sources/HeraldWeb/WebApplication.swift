import FastCGI
import Foundation
import Logging

/// `herald web`'s request handling: routes, error pages and problem documents, one log line per request.
/// Everything here is in memory; `FastCGIServer` only carries bytes in and out.
public struct WebApplication: Sendable {
    public typealias RouteRegistration = @Sendable (inout Router) -> Void

    public let templates: Templates
    let logger: Logger
    let registerRoutes: RouteRegistration

    public init(templates: Templates, logger: Logger, routes: @escaping RouteRegistration = { _ in }) {
        self.templates = templates
        self.logger = logger
        self.registerRoutes = routes
    }

    /// The router of one FastCGI thread: its health routes use that thread's own checks.
    public func makeRouter(checks: [any ReadinessCheck]) -> Router {
        let confined = ThreadConfined(checks)
        var router = Router()
        router.get("/healthz") { _ in HealthHandlers.liveness() }
        router.get("/readyz") { _ in HealthHandlers.readiness(confined.value) }
        router.get("/") { [templates] request in
            let view = StatusPageView(results: confined.value.map { ($0.name, $0.run()) }, requestID: request.requestID)
            return .html(try templates.render(view, template: "pages/status"))
        }
        registerRoutes(&router)
        return router
    }

    /// Called once per FastCGI thread.
    public func makeHandler(checks: [any ReadinessCheck]) -> FastCGIServer.Handler {
        let router = makeRouter(checks: checks)
        return { request in
            let http = HTTPRequest(fastCGI: request)
            return respond(to: http, router: router).fastCGI(requestID: http.requestID, includeBody: http.method != "HEAD")
        }
    }

    /// Routes a request and turns every outcome, thrown errors included, into a response.
    public func respond(to request: HTTPRequest, router: Router) -> HTTPResponse {
        let started = DispatchTime.now()
        var route = "-"
        let response: HTTPResponse
        switch router.match(method: request.method, path: request.path) {
        case .found(let handler, let parameters, let pattern):
            route = pattern
            var routed = request
            routed.parameters = parameters
            do {
                response = try handler(routed)
            } catch let error as HTTPError {
                response = errorResponse(error, for: request)
            } catch {
                logger.error("request failed", metadata: ["request_id": "\(request.requestID)", "route": "\(pattern)",
                                                           "error": "\(String(reflecting: error))"])
                response = errorResponse(HTTPError(.internalServerError, "Something went wrong on our side."), for: request)
            }
        case .methodNotAllowed(let allowed):
            response = errorResponse(HTTPError(.methodNotAllowed, "\(request.method) is not allowed here. Allowed: \(allowed.joined(separator: ", ")).",
                                               headers: [("Allow", allowed.joined(separator: ", "))]), for: request)
        case .notFound:
            response = errorResponse(HTTPError(.notFound, "There is no page at this address."), for: request)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000
        logger.info("\(request.method) \(route) \(response.status.code)",
                    metadata: ["request_id": "\(request.requestID)", "duration_ms": "\(String(format: "%.2f", elapsed))"])
        return response
    }

    /// Problem JSON under `/api/`, an HTML page elsewhere.
    func errorResponse(_ error: HTTPError, for request: HTTPRequest) -> HTTPResponse {
        var response: HTTPResponse
        if request.path == "/api" || request.path.hasPrefix("/api/") {
            response = .problem(error.status, detail: error.message, instance: request.path)
        } else {
            let view = ErrorPageView(title: error.status.reason, status: error.status.code, heading: error.status.reason,
                                     message: error.message, requestID: request.requestID)
            do {
                response = .html(try templates.render(view, template: "pages/error"), status: error.status)
            } catch {
                logger.error("error page failed to render", metadata: ["error": "\(error)"])
                response = .text("\(view.status) \(view.heading)\n", status: view.status == 0 ? .internalServerError : HTTPStatus(view.status, view.heading))
            }
        }
        response.headers += error.headers
        return response
    }
}

/// `pages/status`: the landing page lists what `/readyz` checks, for an operator opening the URL.
struct StatusPageView: Sendable {
    struct Row: Sendable { let name: String; let status: String; let passed: Bool; let detail: String }
    let rows: [Row]
    let requestID: String
    let title = "Status"

    init(results: [(String, ReadinessResult)], requestID: String) {
        rows = results.map { name, result in
            let detail = result.output ?? result.observedValue.map { "\($0) \(result.observedUnit ?? "")" } ?? ""
            return Row(name: name, status: result.status.rawValue, passed: result.status == .pass, detail: detail)
        }
        self.requestID = requestID
    }
}

/// A value used only by the thread that created it (each FastCGI thread's own connections).
final class ThreadConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
