import Foundation
import Testing
import TestSupport

/// `herald web` behind nginx while its PostgreSQL (a private cluster) stops and restarts: a request while the
/// database is away is a 503 the client may retry, never a 500, and the first request after it is back succeeds,
/// although the FastCGI thread's connection was closed by the server while it waited (ScaleOutFaultTests found both).
@Suite(.serialized)
struct WebDatabaseRestartTests {
    @Test func aRequestWhilePostgreSQLIsDownIs503AndTheFirstOneAfterARestartSucceeds() throws {
        let cluster = try PrivatePostgresCluster()
        var environment = try HeraldCommandTests.environment(databaseURL: cluster.url)
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment).status == 0)
        #expect(try runCommand(HeraldCommandTests.herald, ["user", "add", "--email", "ops@example.org", "--role", "admin"],
                               environment: environment).status == 0)
        let created = try runCommand(HeraldCommandTests.herald, ["token", "create", "--email", "ops@example.org"], environment: environment)
        let token = try #require(created.output.split(separator: "\n").last { $0.hasPrefix("hrld_") }).trimmingCharacters(in: .whitespaces)
        // One thread: every request uses the same kept connection.
        environment["HERALD_WEB_THREADS"] = "1"
        environment["HERALD_FCGI_SOCKET"] = "{socket}"
        let nginx = try NginxHarness(app: HeraldCommandTests.herald, arguments: ["web"], environment: environment)
        func me() throws -> NginxHarness.Response { try nginx.request("/api/v1/me", arguments: ["-H", "Authorization: Bearer \(token)"]) }
        #expect(try me().status == 200)

        try cluster.control("restart")
        let afterRestart = try me()
        #expect(afterRestart.status == 200, "\(afterRestart.body)")

        try cluster.control("stop")
        let whileDown = try me()
        #expect(whileDown.status == 503, "\(whileDown.body)")
        #expect(whileDown.headers["content-type"] == "application/problem+json")
        #expect(whileDown.headers["retry-after"] == "5")
        #expect(!whileDown.body.contains("postgresql://"))
        // A page whose session must be looked up: the HTML error page, with the same status.
        let page = try nginx.request("/", arguments: ["-H", "Cookie: __Host-herald_session=unknown"])
        #expect(page.status == 503, "\(page.body)")

        try cluster.control("start")
        #expect(try me().status == 200)
        #expect(nginx.app?.isRunning == true)
    }
}
