import Crypto
import FastCGI
import Foundation
import HeraldCore
import HeraldMetrics
import HeraldQueue
import HeraldStore
import Logging
import Postgres

/// `herald web`'s request pipeline, in this order: request id → limits → route → session cookie or bearer token →
/// CSRF check for state-changing cookie requests → role → handler. Errors from any step become one response here:
/// an HTML page for pages, RFC 9457 problem JSON under `/api/`. `FastCGIServer` only carries bytes in and out.
public struct WebApplication: Sendable {
    public typealias RouteRegistration = @Sendable (inout Router, Templates) -> Void

    public let templates: Templates
    public let settings: WebSettings
    let logger: Logger
    let registerRoutes: RouteRegistration
    /// Every request's route pattern, status and duration, served at `/metrics`; shared by all FastCGI threads.
    public let metrics: WebMetrics

    public init(templates: Templates, settings: WebSettings, logger: Logger, metrics: WebMetrics = WebMetrics(version: "dev"),
                routes: @escaping RouteRegistration = { _, _ in }) {
        self.templates = templates
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        self.registerRoutes = routes
    }

    /// The router of one FastCGI thread: its health routes use that thread's own checks.
    public func makeRouter(checks: [any ReadinessCheck]) -> Router {
        var router = Router()
        StatusRoutes.register(&router, templates: templates, checks: ThreadConfined(checks))
        MetricsRoutes.register(&router, metrics: metrics)
        AccountRoutes.register(&router, templates: templates)
        registerRoutes(&router, templates)
        return router
    }

    /// Called once per FastCGI thread, with that thread's checks and connections.
    public func makeHandler(checks: [any ReadinessCheck], connections: WebConnections) -> FastCGIServer.Handler {
        let router = makeRouter(checks: checks), recorder = metrics.recorder()
        return { request in
            let http = HTTPRequest(fastCGI: request)
            return respond(to: http, router: router, connections: connections, recorder: recorder).fastCGI(requestID: http.requestID, includeBody: http.method != "HEAD")
        }
    }

    /// Runs the pipeline for one request; every outcome, thrown errors included, becomes a response, recorded in
    /// the thread's `recorder`.
    public func respond(to request: HTTPRequest, router: Router, connections: WebConnections, recorder: WebMetrics.Recorder) -> HTTPResponse {
        let started = DispatchTime.now()
        var context = RequestContext(request: request, settings: settings, connections: connections, logger: logger)
        var route = "-"
        var response: HTTPResponse
        do {
            switch request.refusal {
            case .bodyTooLarge: throw HTTPError(.contentTooLarge, "The request body is larger than this server accepts.")
            case .headersTooLarge: throw HTTPError(.headersTooLarge, "The request carries too many or too large headers.")
            case nil: break
            }
            switch router.match(method: request.method, path: request.path) {
            case .found(let found, let parameters):
                route = found.pattern
                var routed = request
                routed.parameters = parameters
                context = RequestContext(request: routed, settings: settings, connections: connections, logger: logger)
                response = try run(found, context: context)
                response.headers += context.cookies.map { ("Set-Cookie", $0) }
            case .methodNotAllowed(let allowed):
                throw HTTPError(.methodNotAllowed, "\(request.method) is not allowed here. Allowed: \(allowed.joined(separator: ", ")).",
                                headers: [("Allow", allowed.joined(separator: ", "))])
            case .notFound:
                throw HTTPError(.notFound, "There is no page at this address.")
            }
        } catch {
            // An error page outside a route (404, 405) still shows who is signed in and the navigation.
            if context.principal == nil && !request.isAPI && request.cookies[SessionCookie.name] != nil { try? authenticate(context) }
            response = errorResponse(error, context: context, route: route)
        }
        if !request.isAPI && response.header("Cache-Control") == nil { response.headers.append(("Cache-Control", "no-store")) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000
        context.logger.info("\(request.method) \(route) \(response.status.code)", metadata: ["duration_ms": "\(String(format: "%.2f", elapsed))"])
        recorder.record(route: route == "-" ? WebMetrics.unmatchedRoute : route, status: response.status.code, seconds: elapsed / 1000)
        return response
    }

    private func run(_ route: Router.Route, context: RequestContext) throws -> HTTPResponse {
        let request = context.request
        // No credentials, no database round trip (probes, the login page, a signed-out visitor).
        if request.header("authorization") != nil || request.cookies[SessionCookie.name] != nil { try authenticate(context) }
        // The sign-in form carries its own double-submit token (it must work from a browser whose old session is alive).
        if !request.isSafeMethod && context.authentication == .cookie && route.pattern != "/login" { try checkCSRF(context) }
        if case .signedIn(let role) = route.access {
            guard let principal = context.principal else {
                if request.isAPI {
                    throw HTTPError(.unauthorized, "Sign in first: send Authorization: Bearer <token> or a session cookie.",
                                    headers: [("WWW-Authenticate", "Bearer")])
                }
                let next = request.rawQuery.isEmpty ? request.path : request.path + "?" + request.rawQuery
                return .redirect(to: "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            guard principal.has(role) else { throw Forbidden("This needs the \(role.rawValue) role; you are a \(principal.role.rawValue).") }
        }
        return try route.handler(context)
    }

    /// A bearer token (API clients) or the session cookie (browsers). A bad token is a 401; an unknown or expired
    /// cookie is cleared and the request goes on signed out.
    private func authenticate(_ context: RequestContext) throws {
        let sessions = SessionService(connection: try context.store(), settings: settings.session)
        if let header = context.request.header("authorization") {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                  let principal = try sessions.principal(bearerToken: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
                throw HTTPError(.unauthorized, "The bearer token is not valid (unknown, revoked, expired, or its user is disabled).",
                                headers: [("WWW-Authenticate", #"Bearer error="invalid_token""#)])
            }
            context.principal = principal
            context.authentication = .token
        } else if let value = context.request.cookies[SessionCookie.name] {
            if let session = try sessions.session(cookieValue: value) {
                context.session = session
                context.principal = session.principal
                context.authentication = .cookie
            } else {
                context.cookies.append(SessionCookie.clear())
            }
        }
    }

    /// A state change that rides on the session cookie must carry the session's CSRF token: in the form's
    /// `csrf_token` field, or (scripts calling the API) the `X-CSRF-Token` header.
    private func checkCSRF(_ context: RequestContext) throws {
        guard let expected = context.session?.csrfToken else { throw Forbidden("There is no session to check this request against.") }
        var sent = context.request.header("x-csrf-token")
        if sent == nil, context.request.contentType == "application/x-www-form-urlencoded" {
            sent = (try? context.request.form())?["csrf_token"]?.first
        }
        guard let sent, Digest.constantTimeEqual(Array(sent.utf8), Array(expected.utf8)) else {
            throw HTTPError(.forbidden, "This form has expired or did not come from Herald. Go back, reload the page and try again.")
        }
    }

    /// The one place that turns errors into statuses. Messages of our own errors are shown; anything else is a 500
    /// whose detail goes only to the log.
    func errorResponse(_ error: any Error, context: RequestContext, route: String) -> HTTPResponse {
        var fieldErrors: [ValidationError] = []
        let failure: HTTPError
        switch error {
        case let error as HTTPError: failure = error
        case let error as NotFound: failure = HTTPError(.notFound, "There is no such \(error.what), or you may not see it.")
        case let error as Forbidden: failure = HTTPError(.forbidden, error.description)
        case let error as Conflict: failure = HTTPError(.conflict, error.description)
        case let error as ValidationError:
            fieldErrors = [error]
            failure = HTTPError(.unprocessableContent, error.description)
        case let error as ValidationErrors:
            fieldErrors = error.errors
            failure = HTTPError(.unprocessableContent, error.description)
        case let error as Throttled:
            failure = HTTPError(.tooManyRequests, "Too many attempts. Try again in \(error.retryAfterSeconds) seconds.",
                                headers: [("Retry-After", String(error.retryAfterSeconds))])
        case let error as PostgresError where error.isTransient:
            // The database is away (restarting, unreachable): the request may be asked again, so not a 500.
            context.logger.warning("request failed: PostgreSQL is unavailable", metadata: ["route": "\(route)", "error": "\(error)"])
            failure = HTTPError(.serviceUnavailable, "The database is unavailable just now. Try again in a few seconds.",
                                headers: [("Retry-After", "5")])
        default:
            context.logger.error("request failed", metadata: ["route": "\(route)", "error": "\(String(reflecting: error))"])
            failure = HTTPError(.internalServerError, "Something went wrong on our side.")
        }
        var response: HTTPResponse
        if context.request.isAPI {
            response = .problem(failure.status, detail: failure.message, instance: context.request.path, errors: fieldErrors)
        } else {
            let view = ErrorPageView(chrome: PageChrome(title: failure.status.reason, context: context), status: failure.status.code,
                                     heading: failure.status.reason, message: failure.message)
            do {
                response = .html(try templates.render(view, template: "pages/error"), status: failure.status)
            } catch {
                context.logger.error("error page failed to render", metadata: ["error": "\(error)"])
                response = .text("\(failure.status.code) \(failure.status.reason)\n", status: failure.status)
            }
        }
        response.headers += failure.headers
        response.headers += context.cookies.map { ("Set-Cookie", $0) }
        return response
    }
}

/// A value used only by the thread that created it (each FastCGI thread's own checks).
final class ThreadConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
