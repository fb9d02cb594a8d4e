import Foundation
import Testing
import TestSupport

/// `herald scheduler` with `HERALD_METRICS_PORT`: its own loopback `/metrics`, counting what its firing loop and
/// workers did, against real PostgreSQL and Redis.
@Suite(.serialized)
struct SchedulerMetricsTests {
    static func scrape(_ port: Int, path: String = "/metrics") throws -> (status: Int, contentType: String, body: String) {
        let result = try runCommand("/usr/bin/curl", ["-s", "--max-time", "10", "-o", "-", "-w", "\n%{http_code} %{content_type}",
                                                      "http://127.0.0.1:\(port)\(path)"])
        var lines = result.output.components(separatedBy: "\n")
        let last = lines.removeLast().split(separator: " ", maxSplits: 1)
        return (Int(last.first ?? "") ?? 0, last.count > 1 ? String(last[1]) : "", lines.joined(separator: "\n"))
    }

    /// The metric families of `text` as the official Python client's parser reads them (`prometheus_client`, in the
    /// tests' virtual environment): name → type. It drops a counter's `_total` from the family name.
    static func familiesByPrometheusClient(_ text: String) throws -> [String: String] {
        let python = try #require(ProcessInfo.processInfo.environment["HERALD_TEST_PYTHON"], "HERALD_TEST_PYTHON is not set (deploy/test.sh sets it)")
        let path = NSTemporaryDirectory() + "herald-metrics-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                print(family.name, family.type, len(family.samples))
            """
        let parsed = try runCommand(python, ["-c", script, path])
        #expect(parsed.status == 0, "prometheus_client could not parse the page: \(parsed.output)")
        return Dictionary(parsed.output.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ")
            return parts.count == 3 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aRunIsCountedWithItsLatenessAndTheOutputParses() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", workers: 2)
        let port = freeLoopbackPort()
        let scheduler = try fixture.scheduler(["HERALD_METRICS_PORT": String(port)])
        defer { scheduler.stop() }
        var first: PrometheusText?
        #expect(try waitUntil(20) {
            first = try? PrometheusText(try Self.scrape(port).body)
            return first != nil
        }, "the listener never answered: \(scheduler.output.suffix(2000))")
        #expect(first?.value("herald_runs_total") == nil)
        #expect(first?.value("herald_firing_lateness_seconds_count") == 0)
        #expect(first?.value("herald_executions_in_flight") == 0)
        #expect(first?.value("herald_queue_depth", ["priority": "5"]) != nil, "queue depth is read from Redis at scrape time")
        #expect(first?.value("herald_circuit_breakers_open") == 0)

        try fixture.addSchedules(1)
        #expect(try waitUntil(30) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 1 },
                "\(scheduler.output.suffix(2000))")
        // The end is counted once the worker has recorded it, which is what the query above waited for.
        var metrics: PrometheusText?
        #expect(try waitUntil(10) {
            metrics = try PrometheusText(try Self.scrape(port).body)
            return metrics?.value("herald_runs_total", ["status": "succeeded"]) == 1
        })
        let scraped = try #require(metrics)
        #expect(scraped.value("herald_runs_total", ["status": "succeeded", "trigger": "schedule"]) == 1)
        #expect(scraped.samples.filter { $0.name == "herald_runs_total" }.count == 1)
        #expect(scraped.value("herald_firing_lateness_seconds_count") == 1)
        #expect(scraped.value("herald_firing_lateness_seconds_bucket", ["le": "+Inf"]) == 1)
        #expect(scraped.value("herald_deliveries_total", ["channel": "folder", "outcome": "succeeded"]) == 1)
        #expect(scraped.value("herald_delivery_duration_seconds_count", ["channel": "folder"]) == 1)
        #expect(scraped.value("herald_dead_letters_total") == 0)
        #expect(scraped.value("herald_leases_reclaimed_total") == 0)
        #expect(scraped.value("herald_build_info") == 1)
        #expect(scraped.types["herald_delivery_duration_seconds"] == "histogram")
        let families = try Self.familiesByPrometheusClient(try Self.scrape(port).body)
        let expected = ["herald_runs": "counter", "herald_firing_lateness_seconds": "histogram", "herald_queue_depth": "gauge",
                        "herald_executions_in_flight": "gauge", "herald_leases_reclaimed": "counter", "herald_dead_letters": "counter",
                        "herald_deliveries": "counter", "herald_delivery_duration_seconds": "histogram",
                        "herald_circuit_breakers_open": "gauge", "herald_build_info": "gauge"]
        for (name, type) in expected { #expect(families[name] == type, "\(name): \(families)") }
    }

    @Test func theListenerAnswersOnlyMetricsAndServesTheTextFormat() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", workers: 0)
        let port = freeLoopbackPort()
        let scheduler = try fixture.scheduler(["HERALD_METRICS_PORT": String(port)])
        defer { scheduler.stop() }
        #expect(try waitUntil(20) { (try? Self.scrape(port).status) == 200 }, "\(scheduler.output.suffix(2000))")
        let ok = try Self.scrape(port)
        #expect(ok.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try Self.scrape(port, path: "/").status == 404)
        #expect(try Self.scrape(port, path: "/metrics/x").status == 404)
        // A client that sends an endless header is cut off at the cap, and the listener goes on answering.
        let flood = try runCommand("/bin/sh", ["-c", "head -c 20000 /dev/zero | tr '\\000' a | curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H \"X-Big: $(cat)\" http://127.0.0.1:\(port)/metrics"])
        #expect(flood.output.hasSuffix("431") || flood.output.hasSuffix("000"), "\(flood.output)")
        #expect(try Self.scrape(port).status == 200)
    }

    @Test func aPortInUseStopsTheSchedulerNamingTheKey() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one", workers: 0)
        let port = freeLoopbackPort()
        let first = try fixture.scheduler(["HERALD_METRICS_PORT": String(port)])
        defer { first.stop() }
        #expect(try waitUntil(20) { (try? Self.scrape(port).status) == 200 })
        let second = try runCommand(HeraldCommandTests.herald, ["scheduler"],
                                    environment: fixture.environment.merging(["HERALD_METRICS_PORT": String(port)]) { $1 }, timeout: 20)
        #expect(second.status != 0)
        #expect(second.output.contains("HERALD_METRICS_PORT"), "\(second.output)")
    }
}
