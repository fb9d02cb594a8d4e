import Foundation
import Testing
@testable import HeraldMetrics

struct MetricsRegistryTests {
    @Test func rendersCountersWithHelpTypeAndSortedSeries() {
        let registry = MetricsRegistry()
        let requests = registry.counter("herald_test_requests_total", help: "Requests.", labels: ["route", "status"])
        requests.labels("/b", "200").increment()
        requests.labels("/a", "404").increment(by: 2)
        requests.labels("/a", "200").increment()
        #expect(registry.render() == """
            # HELP herald_test_requests_total Requests.
            # TYPE herald_test_requests_total counter
            herald_test_requests_total{route="/a",status="200"} 1
            herald_test_requests_total{route="/a",status="404"} 2
            herald_test_requests_total{route="/b",status="200"} 1

            """)
    }

    @Test func escapesLabelValuesAndHelpText() {
        let registry = MetricsRegistry()
        registry.gauge("herald_test_value", help: "Back\\slash and\nnewline.", labels: ["name"]).labels("a\"b\\c\nd").set(1.5)
        #expect(registry.render() == """
            # HELP herald_test_value Back\\\\slash and\\nnewline.
            # TYPE herald_test_value gauge
            herald_test_value{name="a\\"b\\\\c\\nd"} 1.5

            """)
    }

    @Test func histogramBucketsAreCumulativeWithInfSumAndCount() {
        let registry = MetricsRegistry()
        let histogram = registry.histogram("herald_test_seconds", help: "Durations.", labels: ["route"], buckets: [0.1, 1, 10])
        for value in [0.05, 0.1, 0.5, 2, 20] { histogram.labels("/x").observe(value) }
        #expect(registry.render() == """
            # HELP herald_test_seconds Durations.
            # TYPE herald_test_seconds histogram
            herald_test_seconds_bucket{route="/x",le="0.1"} 2
            herald_test_seconds_bucket{route="/x",le="1"} 3
            herald_test_seconds_bucket{route="/x",le="10"} 4
            herald_test_seconds_bucket{route="/x",le="+Inf"} 5
            herald_test_seconds_sum{route="/x"} 22.65
            herald_test_seconds_count{route="/x"} 5

            """)
    }

    @Test func unlabelledHistogramPutsLeAlone() {
        let registry = MetricsRegistry()
        registry.histogram("herald_test_lateness_seconds", help: "Lateness.", buckets: [1]).unlabelled.observe(3)
        let text = registry.render()
        #expect(text.contains("herald_test_lateness_seconds_bucket{le=\"1\"} 0\n"))
        #expect(text.contains("herald_test_lateness_seconds_bucket{le=\"+Inf\"} 1\n"))
        #expect(text.contains("herald_test_lateness_seconds_sum 3\n"))
        #expect(text.contains("herald_test_lateness_seconds_count 1\n"))
    }

    @Test func familiesWithoutSeriesStillSayWhatTheyAre() {
        let registry = MetricsRegistry()
        _ = registry.counter("herald_test_total", help: "Nothing yet.", labels: ["kind"])
        #expect(registry.render() == "# HELP herald_test_total Nothing yet.\n# TYPE herald_test_total counter\n")
    }

    @Test func scrapedGaugesAreReadAtRenderAndAFailingReadRendersNoSeries() {
        struct Down: Error {}
        let registry = MetricsRegistry()
        let depth = Counter()
        registry.gauge("herald_test_depth", help: "Depth.", labels: ["priority"]) { [([String(depth.count)], Double(depth.count) * 2)] }
        registry.gauge("herald_test_broken", help: "Broken.") { throw Down() }
        depth.increment(by: 3)
        let text = registry.render()
        #expect(text.contains("herald_test_depth{priority=\"3\"} 6\n"))
        #expect(text.hasSuffix("# TYPE herald_test_broken gauge\n"))
    }

    @Test func manyThreadsCountingLoseNothing() {
        let registry = MetricsRegistry()
        let counter = registry.counter("herald_test_total", help: "Counted.", labels: ["thread"])
        let histogram = registry.histogram("herald_test_seconds", help: "Observed.", buckets: [0.5])
        let threads = 8, increments = 20_000
        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let thread = Thread {
                // Half the threads share one series, so the same counter is raced for.
                let series = counter.labels(index % 2 == 0 ? "shared" : "own-\(index)")
                for i in 0..<increments {
                    series.increment()
                    histogram.unlabelled.observe(i % 2 == 0 ? 0.25 : 1)
                }
                done.leave()
            }
            thread.start()
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(counter.labels("shared").count == UInt64(threads / 2 * increments))
        #expect(counter.labels("own-1").count == UInt64(increments))
        #expect(histogram.unlabelled.count == UInt64(threads * increments))
        #expect(registry.render().contains("herald_test_seconds_bucket{le=\"0.5\"} \(threads * increments / 2)\n"))
    }

    @Test func webMetricsCountRequestsByRouteAndStatus() {
        let metrics = WebMetrics(version: "1.2.3")
        // Two threads' recorders count into the same series.
        let one = metrics.recorder(), other = metrics.recorder()
        one.record(route: "/healthz", status: 200, seconds: 0.002)
        other.record(route: "/healthz", status: 200, seconds: 0.004)
        one.record(route: "/schedules/:id", status: 404, seconds: 0.02)
        let text = metrics.registry.render()
        #expect(text.contains("herald_http_requests_total{route=\"/healthz\",status=\"200\"} 2\n"))
        #expect(text.contains("herald_http_requests_total{route=\"/schedules/:id\",status=\"404\"} 1\n"))
        #expect(text.contains("herald_http_request_duration_seconds_count{route=\"/healthz\"} 2\n"))
        #expect(text.contains("herald_build_info{version=\"1.2.3\",swift=\"\(BuildInfo.swiftVersion)\"} 1\n"))
    }
}
