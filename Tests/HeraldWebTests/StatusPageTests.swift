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

    @Test func theStatusSaysHowRunsWentWhichSchedulesFailOrAreSlowAndWhatIsOpenOrDead() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let morning = try fx.schedule(owner: ada.id, name: "Morning", nextSlot: Date().addingTimeInterval(86_400))
        let slow = try fx.schedule(owner: ada.id, name: "Slowpoke", nextSlot: Date().addingTimeInterval(86_400))
        let broken = try fx.schedule(owner: ada.id, name: "Broken", nextSlot: Date().addingTimeInterval(86_400))
        _ = try fx.execution(schedule: morning, status: "succeeded", at: Date().addingTimeInterval(-86_400 * 3))
        _ = try fx.execution(schedule: morning, status: "succeeded", at: Date().addingTimeInterval(-7200))
        _ = try fx.execution(schedule: morning, status: "failed", at: Date().addingTimeInterval(-3600), error: "query failed")
        let long = try fx.execution(schedule: slow, status: "succeeded", at: Date().addingTimeInterval(-1800))
        try web.store.execute("UPDATE executions SET started_at = finished_at - interval '600 seconds' WHERE id = \(long)")
        _ = try fx.execution(schedule: broken, status: "skipped", at: Date().addingTimeInterval(-900))
        _ = try fx.execution(schedule: broken, status: "failed", at: Date().addingTimeInterval(-600), error: "<b>boom</b>", deadLettered: true)
        let redis = try RedisConnection(url: web.redisURL)
        let host = "smtp:mail-\(UUID().uuidString.prefix(6)).example.org:25"
        _ = try redis.command("SET", .string(RedisKeys.breakerOpen(host: host)), .string("1"), .string("PX"), .string("60000"))
        defer { _ = try? redis.command("DEL", .string(RedisKeys.breakerOpen(host: host))) }

        struct Status: Decodable {
            struct Period: Decodable { let hours: Int; let ended: Int; let succeeded: Int; let successRate: Double?; let averageSeconds: Double? }
            struct Slow: Decodable { let name: String; let runs: Int; let averageSeconds: Double }
            struct Failing: Decodable { let name: String; let status: String; let error: String? }
            struct Breaker: Decodable { let host: String; let openUntil: Date }
            let last24h: Period; let last7d: Period; let slowestSchedules: [Slow]; let failingSchedules: [Failing]
            let failingTotal: Int; let deadLettersWaiting: Int; let breakersOpen: [Breaker]?
            // convertFromSnakeCase reads `last_24h` as `last24H`.
            enum CodingKeys: String, CodingKey {
                case last24h = "last24H", last7d = "last7D", slowestSchedules, failingSchedules, failingTotal, deadLettersWaiting, breakersOpen
            }
        }
        let browser = web.browser()
        browser.signIn("ada@example.org")
        let response = browser.request("GET", "/api/v1/status")
        #expect(response.status == .ok)
        let raw = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(raw["last_24h"] != nil && raw["last_7d"] != nil, "\(raw.keys.sorted())")
        let status = try ExecutionPagesTests.decode(Status.self, response)
        // Skipped runs delivered nothing: not counted. The last day: 2 of 4 succeeded; the week: 3 of 5.
        #expect(status.last24h.hours == 24 && status.last24h.ended == 4 && status.last24h.succeeded == 2)
        #expect(status.last24h.successRate == 0.5)
        #expect(abs((status.last24h.averageSeconds ?? 0) - (2.5 * 3 + 600) / 4) < 0.01)
        #expect(status.last7d.ended == 5 && status.last7d.succeeded == 3 && status.last7d.successRate == 0.6)
        #expect(status.slowestSchedules.first?.name == "Slowpoke" && Set(status.slowestSchedules.map(\.name)) == ["Slowpoke", "Broken", "Morning"])
        #expect(status.slowestSchedules.first?.averageSeconds == 600)
        #expect(Set(status.failingSchedules.map(\.name)) == ["Morning", "Broken"])
        #expect(status.failingSchedules.first { $0.name == "Broken" }?.error == "<b>boom</b>")
        #expect(status.failingTotal == 2)
        #expect(status.deadLettersWaiting == 1)
        #expect(status.breakersOpen?.map(\.host).contains(host) == true)
        #expect(status.breakersOpen?.first { $0.host == host }.map { $0.openUntil > Date() } == true)

        let page = text(browser.request("GET", "/status"))
        #expect(page.contains("<th scope=\"row\">Last 24 hours</th><td>4</td><td>50.0%</td>"), "\(page)")
        #expect(page.contains("<th scope=\"row\">Last 7 days</th><td>5</td><td>60.0%</td>"))
        #expect(page.contains(">Slowpoke</a></td><td>1</td><td>10 min 00 s</td>"))
        #expect(page.contains("&lt;b&gt;boom&lt;/b&gt;") && !page.contains("<b>boom</b>"))
        #expect(page.contains("1 dead-lettered runs"))
        #expect(page.contains("<code>\(host)</code>"))

        // Another creator sees none of it but the breakers, which are the whole installation's.
        try web.addUser("bob@example.org", role: .creator)
        let bob = web.browser()
        bob.signIn("bob@example.org")
        let theirs = try ExecutionPagesTests.decode(Status.self, bob.request("GET", "/api/v1/status"))
        #expect(theirs.last7d.ended == 0 && theirs.last7d.successRate == nil && theirs.last7d.averageSeconds == nil)
        #expect(theirs.slowestSchedules.isEmpty && theirs.failingSchedules.isEmpty && theirs.failingTotal == 0 && theirs.deadLettersWaiting == 0)
        #expect(theirs.breakersOpen?.map(\.host).contains(host) == true)
        let empty = text(bob.request("GET", "/status"))
        #expect(empty.contains("No schedule's last run failed.") && empty.contains("No dead-lettered run is waiting."))
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
                                           router: web.router, connections: down, recorder: web.app.metrics.recorder())
            #expect(response.status == .ok, "\(path)")
            #expect(text(response).contains("Redis could not be read"), "\(path)")
        }
    }
}
