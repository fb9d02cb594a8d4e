import Foundation
import HeraldCore
import Testing
import TestSupport

/// The log-line half of the canary check (`DestinationCanaryTests` covers responses, pages, stored rows and Redis):
/// a canary stored as every secret of every kind of destination, as the admin's SMTP password and as a data source
/// URL's password reaches no line that `herald web`, `herald scheduler` or nginx writes, while the connection tests,
/// runs, deliveries and owner alerts that use those secrets all fail and are logged.
struct DestinationCanaryLogTests {
    @Test func aCanaryInEverySecretNeverReachesALogLine() throws {
        let canary = "canary-\(UUID().uuidString.lowercased())"
        let (smtp, sftp, ftp, s3, receiver) = (try DeliveryServers.smtp(), try DeliveryServers.sftp(), try DeliveryServers.ftp(),
                                               try DeliveryServers.s3(), try DeliveryServers.httpReceiver())
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", workers: 2, extra: [
            // The most verbose level, so every line the code has is written; one attempt, so each delivery fails at once.
            "HERALD_LOG_LEVEL": "trace", "HERALD_RETRY_ATTEMPTS": "1", "HERALD_OUTBOUND_ALLOW": "127.0.0.1",
            "HERALD_TLS_CA_FILE": smtp.caPath, "HERALD_WEB_THREADS": "2", "HERALD_FCGI_SOCKET": "{socket}"])
        #expect(try fixture.herald(["user", "add", "--email", "admin@example.org", "--role", "admin"]).status == 0)
        let token = try fixture.herald(["token", "create", "--email", "admin@example.org"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let nginx = try NginxHarness(app: HeraldCommandTests.herald, arguments: ["web"], environment: fixture.environment)
        func api(_ method: String, _ path: String, _ body: String? = nil) throws -> [String: Any] {
            let response = try nginx.request(path, method: method, arguments: ["-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json"]
                                             + (body.map { ["--data-binary", $0] } ?? []))
            #expect((200...299).contains(response.status), "\(method) \(path): \(response.status) \(response.body)")
            return (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any] ?? [:]
        }

        // Each kind against a server that refuses the canary, answers with an error quoting it, or is not there.
        let refused = freeLoopbackPort()
        let container = "/canary-container-\(UUID().uuidString.prefix(8))"
        let hook = "/canary-hook/\(canary)"
        for path in [container + "/report.csv", hook] {
            try receiver.script(path: path, responses: [ScriptedResponse(status: 403, body: "AuthenticationFailed: the token \(canary) is not valid")])
        }
        let settings: [DestinationKind: [String: Any]] = [
            .email: ["to": ["owner@example.org"], "smtp": ["host": "127.0.0.1", "port": smtp.startTLSPort, "security": "starttls",
                                                           "username": "herald", "from_address": "herald@example.org"]],
            .sftp: ["host": sftp.host, "port": sftp.port, "username": sftp.user, "path": sftp.root],
            .ftp: ["host": ftp.host, "port": ftp.port, "username": ftp.user, "tls": "none"],
            .s3: ["bucket": s3.bucket, "region": s3.region, "endpoint": s3.endpoint.absoluteString, "path_style": true],
            .gcs: ["bucket": "reports", "region": "auto", "endpoint": "http://127.0.0.1:\(refused)"],
            .azure: ["container_url": receiver.url(path: container).absoluteString, "path": "report.csv"],
            .webhook: ["preset": "slack", "auth": "bearer"],
        ]
        var destinations: [UUID] = []
        var tests: [[String: Any]] = []
        for kind in DestinationKind.allCases where kind != .folder {
            let secrets = Dictionary(uniqueKeysWithValues: DestinationDefinitions.secretFields(kind).map { field in
                (field, field == "url" ? receiver.url(path: hook).absoluteString
                    : field == "private_key" ? "-----BEGIN OPENSSH PRIVATE KEY-----\n\(canary)\n-----END OPENSSH PRIVATE KEY-----\n" : canary)
            })
            let body: [String: Any] = ["name": "\(kind.rawValue) canary", "kind": kind.rawValue, "settings": try #require(settings[kind]), "secrets": secrets]
            let created = try api("POST", "/api/v1/destinations", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
            let id = try #require((created["id"] as? String).flatMap(UUID.init), "\(kind): \(created)")
            destinations.append(id)
            tests.append(try api("POST", "/api/v1/destinations/\(id.uuidString.lowercased())/test"))
        }
        // The webhook's test sends no request and Azure's probe gets the receiver's default 201: theirs fail at delivery.
        #expect(tests.map { $0["ok"] as? Bool } == [false, false, false, false, false, true, true], "\(tests)")

        _ = try api("PUT", "/api/v1/admin/email", """
            {"host":"127.0.0.1","port":\(smtp.startTLSPort),"security":"starttls","username":"herald","password":"\(canary)","from_address":"herald@example.org"}
            """)
        #expect(try api("POST", "/api/v1/admin/email/test", #"{"to":"admin@example.org"}"#)["ok"] as? Bool == false)
        let database = try #require(URLComponents(string: fixture.reportingURL))
        let source = try api("POST", "/api/v1/datasources", """
            {"name":"canary source","url":"postgresql://canary_reader:\(canary)@\(database.host ?? "127.0.0.1"):\(database.port ?? 5432)\(database.path)"}
            """)
        let sourceID = try #require((source["id"] as? String).flatMap(UUID.init), "\(source)")
        #expect(try api("POST", "/api/v1/datasources/\(sourceID.uuidString.lowercased())/test")["ok"] as? Bool == false)

        // A run per destination (so each delivery's error is its run's), and one on the data source; each failure
        // alerts the owner through the admin's server, which refuses the canary too.
        let owner: UUID = try fixture.store.query("SELECT id FROM users WHERE email = 'admin@example.org'")[0].decode("id")
        let report: UUID = try fixture.store.query("""
            INSERT INTO reports (name, data_source_id, sql) VALUES ('Canary source', \(sourceID), 'SELECT 1 AS one') RETURNING id
            """)[0].decode("id")
        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        for destination in destinations { try fixture.addSchedules(1, owner: owner, destinations: [destination]) }
        try fixture.addSchedules(1, owner: owner, report: report)
        let runs = destinations.count + 1
        let ended = try waitUntil(60) {
            let failed = try fixture.count("SELECT count(*) FROM executions WHERE status = 'failed'")
            let alerted = try fixture.count("SELECT count(*) FROM owner_alerts WHERE error IS NOT NULL")
            return failed == runs && alerted == runs
        }
        let states: [String] = try fixture.store.query("SELECT status || ' ' || coalesce(error, '') AS e FROM executions").map { try $0.decode("e") }
        #expect(ended, "\(states)\n\(scheduler.output.suffix(3000))")
        scheduler.stop()
        nginx.app?.stop()

        let web = try #require(nginx.app?.output)
        let schedulerLog = scheduler.output
        let nginxLogs = ["access.log", "error.log"].map { (try? String(contentsOfFile: nginx.directory + "/" + $0, encoding: .utf8)) ?? "" }
        // The logs looked at hold what was provoked: every connection test, every run's failure, every alert's.
        #expect(web.components(separatedBy: "/test 200").count - 1 == destinations.count + 2, "\(web)")
        let testRequests = nginxLogs[0].split(separator: "\n").filter { $0.contains("/test HTTP/") && $0.contains("\" 200 ") }
        #expect(testRequests.count == destinations.count + 2, "\(nginxLogs[0])")
        let errors: [String] = try fixture.store.query("SELECT error FROM executions").map { try $0.decode("error") }
        #expect(errors.count == runs)
        for error in errors { #expect(schedulerLog.contains(error), "the scheduler's log lacks the failure \(error)") }
        // The receiver quoted the canary back, so a leak had its chance: the webhook's error says it was cut out.
        #expect(schedulerLog.contains("the token [redacted] is not valid"), "\(schedulerLog)")
        #expect(schedulerLog.components(separatedBy: "could not send an owner alert").count - 1 == runs, "\(schedulerLog)")
        for (name, log) in [("herald web", web), ("herald scheduler", schedulerLog), ("nginx access.log", nginxLogs[0]), ("nginx error.log", nginxLogs[1])] {
            let leaks = log.split(separator: "\n").filter { $0.contains(canary) }
            #expect(leaks.isEmpty, "\(name) logged the canary: \(leaks.joined(separator: "\n"))")
        }
    }
}
