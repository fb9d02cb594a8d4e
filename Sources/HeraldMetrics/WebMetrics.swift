import Synchronization

/// What `herald web` exports: requests by route pattern and status, their durations by route, and the build.
/// Route labels are the router's patterns (`/schedules/:id`), never raw paths, so the series stay few.
public final class WebMetrics: Sendable {
    public let registry = MetricsRegistry()
    let requests: Family<Counter>
    let durations: Family<Histogram>
    /// Each route's series, found with one dictionary lookup per request (no label array built on the hot path).
    private let routes = Mutex<[String: RouteSeries]>([:])

    /// The label of a request that matched no route.
    public static let unmatchedRoute = "unmatched"

    public init(version: String) {
        requests = registry.counter("herald_http_requests_total", help: "HTTP requests answered, by route pattern and status code.",
                                    labels: ["route", "status"])
        durations = registry.histogram("herald_http_request_duration_seconds", help: "Time to answer an HTTP request, by route pattern.",
                                       labels: ["route"], buckets: Histogram.requestSeconds)
        BuildInfo.register(in: registry, version: version)
    }

    public func recordRequest(route: String, status: Int, seconds: Double) {
        let series = routes.withLock { all in
            if let found = all[route] { return found }
            let made = RouteSeries(route: route, requests: requests, duration: durations.labels(route))
            all[route] = made
            return made
        }
        series.duration.observe(seconds)
        series.counter(status: status).increment()
    }

    final class RouteSeries: Sendable {
        let route: String
        let requests: Family<Counter>
        let duration: Histogram
        private let byStatus = Mutex<[Int: Counter]>([:])

        init(route: String, requests: Family<Counter>, duration: Histogram) {
            self.route = route
            self.requests = requests
            self.duration = duration
        }

        func counter(status: Int) -> Counter {
            byStatus.withLock { all in
                if let found = all[status] { return found }
                let made = requests.labels(route, String(status))
                all[status] = made
                return made
            }
        }
    }
}
