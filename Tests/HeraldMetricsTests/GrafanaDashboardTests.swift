import Foundation
import Testing
@testable import HeraldMetrics

/// `deploy/grafana-dashboard.json` cannot drift from what the processes export: every `herald_…` name its queries
/// use is a family (or a histogram's `_bucket`/`_sum`/`_count`) that web or scheduler renders.
struct GrafanaDashboardTests {
    static let dashboard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/grafana-dashboard.json")

    @Test func everyMetricTheDashboardQueriesIsExported() throws {
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: Self.dashboard)) as? [String: Any]
        let panels = try #require(json?["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 8)

        let scheduler = SchedulerMetrics(version: "test", readers: .init(inFlight: { 0 }, queueDepths: { [(9, 0)] }, breakersOpen: { 0 }))
        let exported = MetricNames.parse(WebMetrics(version: "test").registry.render() + scheduler.registry.render())
        let used = Set(expressions.flatMap(MetricNames.referenced))
        for name in [
            "herald_http_requests_total", "herald_http_request_duration_seconds_bucket", "herald_runs_total",
            "herald_firing_lateness_seconds_bucket", "herald_queue_depth", "herald_executions_in_flight", "herald_deliveries_total",
            "herald_circuit_breakers_open",
        ] {
            #expect(used.contains(name), "the dashboard shows no \(name)")
        }
        for name in used { #expect(exported.contains(name), "the dashboard queries \(name), which no process exports") }
    }
}

/// Names in exposition text and in PromQL.
enum MetricNames {
    /// Every family named by a `# TYPE` line, with `_bucket`, `_sum` and `_count` for histograms.
    static func parse(_ text: String) -> Set<String> {
        var names: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            let name = String(parts[2])
            names.insert(name)
            if parts[3] == "histogram" { names.formUnion(["_bucket", "_sum", "_count"].map { name + $0 }) }
        }
        return names
    }

    /// The `herald_…` identifiers a PromQL expression mentions.
    static func referenced(_ expression: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "herald_[a-zA-Z0-9_:]*")
        let range = NSRange(expression.startIndex..., in: expression)
        return regex.matches(in: expression, range: range).map { String(expression[Range($0.range, in: expression)!]) }
    }
}
