import HeraldMetrics

/// `GET /metrics`: the Prometheus scrape. It needs no session (a scraper has none): nginx lets only loopback reach
/// it. Not an `/api/` route, so it is not in the OpenAPI document (`OpenAPIDocumentTests` covers `/api/` only).
enum MetricsRoutes {
    static func register(_ router: inout Router, metrics: WebMetrics) {
        router.get("/metrics", .anyone) { _ in
            HTTPResponse(headers: [("Content-Type", MetricsRegistry.contentType), ("Cache-Control", "no-store")],
                         body: Array(metrics.registry.render().utf8))
        }
    }
}
