/// What `herald web` exports: requests by route pattern and status, their durations by route, and the build.
/// Route labels are the router's patterns (`/schedules/:id`), never raw paths, so the series stay few.
public final class WebMetrics: Sendable {
    public let registry = MetricsRegistry()
    let requests: Family<Counter>
    let durations: Family<Histogram>

    /// The label of a request that matched no route.
    public static let unmatchedRoute = "unmatched"

    public init(version: String) {
        requests = registry.counter("herald_http_requests_total", help: "HTTP requests answered, by route pattern and status code.",
                                    labels: ["route", "status"])
        durations = registry.histogram("herald_http_request_duration_seconds", help: "Time to answer an HTTP request, by route pattern.",
                                       labels: ["route"], buckets: Histogram.requestSeconds)
        BuildInfo.register(in: registry, version: version)
    }

    /// A recorder for one FastCGI thread.
    public func recorder() -> Recorder { Recorder(self) }

    /// Records the requests one thread answers. It keeps its own table of the (shared) series it has used, so a
    /// request finds them without a lock that the other threads take too (such a shared table's lock was 4% of `herald web`'s time in
    /// the schedule list API under wrk, most of it threads waiting for each other). Sendable only to be handed to
    /// its thread (as `WebConnections` is): one thread uses it.
    public final class Recorder: @unchecked Sendable {
        private final class RouteSeries {
            let duration: Histogram
            var byStatus: [Int: Counter] = [:]
            init(duration: Histogram) { self.duration = duration }
        }
        private let metrics: WebMetrics
        private var routes: [String: RouteSeries] = [:]

        init(_ metrics: WebMetrics) { self.metrics = metrics }

        public func record(route: String, status: Int, seconds: Double) {
            let series: RouteSeries
            if let known = routes[route] {
                series = known
            } else {
                series = RouteSeries(duration: metrics.durations.labels(route))
                routes[route] = series
            }
            series.duration.observe(seconds)
            if let counter = series.byStatus[status] {
                counter.increment()
            } else {
                let counter = metrics.requests.labels(route, String(status))
                series.byStatus[status] = counter
                counter.increment()
            }
        }
    }
}
