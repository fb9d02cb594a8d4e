import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore
import Redis
import Testing
import TestSupport
@testable import HeraldWeb

/// `/status` and `GET /api/v1/status`: the queue, the workers, the last day's runs, the week ahead.
struct StatusPageTests {
    @Test func theStatusShowsQueueWorkersRecentRunsAndTheWeekAhead() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let tomorrow8 = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 86_400 + 8 * 3600)
        let schedule = try fx.schedule(owner: ada.id, name: "Morning", nextSlot: tomorrow8)
        _ = try fx.execution(schedule: schedule, status: "failed", at: Date().addingTimeInterval(-3600))
        _ = try fx.execution(schedule: schedule, status: "succeeded", at: Date().addingTimeInterval(-7200))
        _ = try fx.execution(schedule: schedule, status: "succeeded", at: Date().addingTimeInterval(-86_400 * 3))
        let redis = try RedisConnection(url: web.redisURL)
        try ExecutionQueue(redis: redis).enqueue([(UUID(), 7), (UUID(), 7), (UUID(), 2)])
        let hostile = "<script>alert(1)</script>"
        try HeartbeatRegistry.beat(Heartbeat(id: "worker-1", role: "scheduler", version: hostile, host: "db1", pid: 42,
                                             startedAt: Date().addingTimeInterval(-60), beatAt: Date(), inFlight: 3), on: redis)

        let browser = web.browser()
        browser.signIn("ada@example.org")
        let page = browser.request("GET", "/status")
        #expect(page.status == .ok)
        let body = text(page)
        #expect(body.contains("3 runs on the queue"))
        #expect(body.contains("<tr><td>7</td><td>2</td></tr>"))
        #expect(body.contains("worker-1"))
        #expect(body.contains("db1 (42)"))
        #expect(!body.contains("<script>alert"))
        #expect(body.contains(#"href="/executions?status=failed"><span class="badge badge-failed">failed</span> 1</a>"#))
        #expect(body.contains(#"href="/executions?status=succeeded"><span class="badge badge-succeeded">succeeded</span> 1</a>"#))
        #expect(body.contains("<svg"))
        #expect(body.contains("run by weekday") || body.contains("runs by weekday"))

        struct Status: Decodable {
            struct Depth: Decodable { let priority: Int; let depth: Int }
            struct Worker: Decodable { let id: String; let inFlight: Int; let beatAt: Date }
            struct Upcoming: Decodable { let total: Int; let cells: [[Int]]; let truncated: Bool }
            let queue: [Depth]; let workers: [Worker]; let upcoming: Upcoming; let redisError: String?
        }
        let response = browser.request("GET", "/api/v1/status")
        #expect(response.status == .ok)
        let status = try ExecutionPagesTests.decode(Status.self, response)
        struct Runs: Decodable { let runs_last_24h: [String: Int] }
        let runs = try JSONDecoder().decode(Runs.self, from: Data(response.body)).runs_last_24h
        #expect(status.queue.first { $0.priority == 7 }?.depth == 2)
        #expect(status.queue.count == 10)
        #expect(status.workers.map(\.id) == ["worker-1"])
        #expect(status.workers.first?.inFlight == 3)
        #expect(runs["failed"] == 1)
        #expect(runs["succeeded"] == 1)
        #expect(runs["running"] == 0)
        #expect(status.redisError == nil)
        // Daily at 08:00 UTC from tomorrow: 6 or 7 runs in the next 7 days, all in the 08:00 column.
        #expect((6...7).contains(status.upcoming.total))
        #expect(status.upcoming.cells.count == 7)
        #expect(status.upcoming.cells.allSatisfy { $0.count == 24 && $0.enumerated().allSatisfy { $0.offset == 8 || $0.element == 0 } })
        #expect(!status.upcoming.truncated)

        // Another creator sees none of ada's runs or upcoming runs.
        try web.addUser("bob@example.org", role: .creator)
        let bob = web.browser()
        bob.signIn("bob@example.org")
        let theirResponse = bob.request("GET", "/api/v1/status")
        let theirs = try ExecutionPagesTests.decode(Status.self, theirResponse)
        #expect(try JSONDecoder().decode(Runs.self, from: Data(theirResponse.body)).runs_last_24h.values.allSatisfy { $0 == 0 })
        #expect(theirs.upcoming.total == 0)
    }

    @Test func theHeatMapStopsAtItsBudget() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        _ = try fx.schedule(owner: ada.id, recurrence: #"{"kind":"every_minutes","time_zone":"UTC","interval":1}"#, nextSlot: Date().addingTimeInterval(60))
        let map = try RunStatistics(connection: web.store).upcomingHeatMap(zone: "Europe/Paris", actor: .commandLine, maxRuns: 500)
        #expect(map.total == 500)
        #expect(map.truncated)
    }
}

extension StatusPageTests {
    @Test func theStatusPageStillAnswersWhenRedisIsDown() async throws {
        let web = try await WebHarness()
        try web.addUser("ada@example.org", role: .creator)
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        let down = WebConnections(databaseURL: web.databaseURL, redisURL: "redis://127.0.0.1:\(freeLoopbackPort())")
        for path in ["/status", "/api/v1/status"] {
            let response = web.app.respond(to: HTTPRequest(method: "GET", path: path, rawQuery: "", headers: ["Cookie": cookie], body: []),
                                           router: web.router, connections: down)
            #expect(response.status == .ok, "\(path)")
            #expect(text(response).contains("Redis could not be read"), "\(path)")
        }
    }
}
