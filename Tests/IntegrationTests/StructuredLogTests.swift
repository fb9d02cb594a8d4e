import Foundation
import Testing
import TestSupport

/// `HERALD_LOG_FORMAT=json`: every line `herald web` and `herald scheduler` write is one JSON object with the time,
/// level, logger and message, a request's lines carry its `request_id` (the one the response names in
/// `X-Request-Id`) and a run's lines its `execution_id`.
struct StructuredLogTests {
    @Test func everyLineIsJSONWithItsRequestOrExecutionID() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", workers: 1, extra: [
            "HERALD_LOG_FORMAT": "json", "HERALD_WEB_THREADS": "2", "HERALD_FCGI_SOCKET": "{socket}"])
        let nginx = try NginxHarness(app: HeraldCommandTests.herald, arguments: ["web"], environment: fixture.environment)
        let response = try nginx.request("/healthz", arguments: ["-H", "X-Request-Id: log-test-\(UUID().uuidString.prefix(8))"])
        #expect(response.status == 200)
        let requestID = try #require(response.headers["x-request-id"])

        let scheduler = try fixture.scheduler()
        defer { scheduler.stop() }
        let execution: UUID = try {
            let schedule = try fixture.addSchedules(1)[0]
            #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 })
            return try fixture.store.query("SELECT id FROM executions WHERE schedule_id = \(schedule)")[0].decode("id")
        }()
        let finished = try waitUntil(10) { scheduler.output.lowercased().contains(execution.uuidString.lowercased()) }
        #expect(finished, "the run's line: \(scheduler.output.suffix(2000))")
        scheduler.stop()
        nginx.app?.stop()

        for (name, output) in [("herald web", nginx.app?.output ?? ""), ("herald scheduler", scheduler.output)] {
            let lines = output.split(separator: "\n").map(String.init)
            #expect(!lines.isEmpty, "\(name) wrote nothing")
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object != nil, "\(name) wrote a line that is not a JSON object: \(line)")
                for field in ["time", "level", "logger", "message"] {
                    #expect(object?[field] is String, "\(name): no \(field) in \(line)")
                }
                if let time = object?["time"] as? String { #expect(time.hasSuffix("Z") && time.count == 24, "\(time)") }
            }
        }
        let web = (nginx.app?.output ?? "").split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        let request = try #require(web.first { ($0["message"] ?? "").contains("/healthz") }, "\(web)")
        #expect(request["request_id"] == requestID)
        #expect(request["level"] == "info" && request["logger"] == "herald.web")
        let runs = scheduler.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        let ended = try #require(runs.first { $0["message"] == "execution finished" }, "\(runs)")
        #expect(ended["execution_id"]?.lowercased() == execution.uuidString.lowercased())
        #expect(ended["status"] == "succeeded")
    }

    @Test func anUnknownLogFormatIsRefusedNamingTheKey() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        let scheduler = try runCommand(HeraldCommandTests.herald, ["scheduler"], environment: fixture.environment.merging(["HERALD_LOG_FORMAT": "xml"]) { $1 })
        #expect(scheduler.status == 78)
        #expect(scheduler.output.contains("HERALD_LOG_FORMAT"), "\(scheduler.output)")
    }
}
