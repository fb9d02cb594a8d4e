import Foundation
import HeraldCore
import HeraldMetrics
import HeraldStore
import Logging
import Postgres
import Redis
import TestSupport
@testable import HeraldWeb

/// The whole web application in memory (no sockets to nginx), over a migrated database of its own and a Redis
/// database of its own: what handler tests drive. `browser` keeps cookies between requests like a browser does.
final class WebHarness {
    static let templatesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("templates").path

    let store: PostgresConnection
    let databaseURL: String
    let redisURL: String
    let app: WebApplication
    let router: Router
    let connections: WebConnections
    let recorder: WebMetrics.Recorder

    init(settings: WebSettings = WebSettings(secretKey: Array(repeating: 3, count: 32)), routes: @escaping WebApplication.RouteRegistration = WebRoutes.register) async throws {
        databaseURL = try TestDatabase.create()
        store = try PostgresConnection(url: databaseURL)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        redisURL = try TestEnvironment.isolatedRedisURL()
        var logger = Logger(label: "web-test")
        logger.logLevel = .critical
        app = WebApplication(templates: try Templates.load(directory: Self.templatesDirectory), settings: settings, logger: logger, routes: routes)
        router = app.makeRouter(checks: [])
        connections = WebConnections(databaseURL: databaseURL, redisURL: redisURL)
        recorder = app.metrics.recorder()
    }

    /// Adds a user (password "correct horse battery staple") and returns it.
    @discardableResult
    func addUser(_ email: String, role: UserRole, password: String = WebHarness.password) throws -> User {
        try AccountService(connection: store).addUser(email: email, role: role, password: password, actor: "test").user
    }
    static let password = "correct horse battery staple"

    func respond(_ method: String, _ path: String, query: String = "", headers: [String: String] = [:], body: String = "") -> HTTPResponse {
        app.respond(to: HTTPRequest(method: method, path: path, rawQuery: query, headers: headers, body: Array(body.utf8)),
                    router: router, connections: connections, recorder: recorder)
    }

    func browser() -> Browser { Browser(harness: self) }

    /// Cookies kept between requests, a form's CSRF token picked from the last page.
    final class Browser {
        let harness: WebHarness
        var cookies: [String: String] = [:]
        var lastPage = ""

        init(harness: WebHarness) { self.harness = harness }

        @discardableResult
        func request(_ method: String, _ path: String, query: String = "", form: [(String, String)]? = nil, json: String? = nil,
                     headers: [String: String] = [:]) -> HTTPResponse {
            var headers = headers
            if !cookies.isEmpty { headers["Cookie"] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            var body = ""
            if let form {
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                body = form.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
            } else if let json {
                headers["Content-Type"] = "application/json"
                body = json
            }
            let response = harness.respond(method, path, query: query, headers: headers, body: body)
            for (name, value) in response.headers where name == "Set-Cookie" {
                let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let cookieName = String(pair[0]), cookieValue = pair.count > 1 ? String(pair[1]) : ""
                if value.contains("Max-Age=0") || cookieValue.isEmpty { cookies[cookieName] = nil } else { cookies[cookieName] = cookieValue }
            }
            if response.header("Content-Type")?.hasPrefix("text/html") == true { lastPage = String(decoding: response.body, as: UTF8.self) }
            return response
        }

        /// The value of the hidden input `name` on the last page.
        func hidden(_ name: String) -> String? {
            guard let range = lastPage.range(of: #"name="\#(name)" value=""#) else { return nil }
            let rest = lastPage[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }

        var csrfToken: String? { hidden("csrf_token") }

        /// Signs in through the login form; returns the POST's response.
        @discardableResult
        func signIn(_ email: String, password: String = WebHarness.password) -> HTTPResponse {
            request("GET", "/login")
            return request("POST", "/login", form: [("email", email), ("password", password), ("login_token", hidden("login_token") ?? ""), ("next", "/status")])
        }

        static func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }
    }
}

func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }
