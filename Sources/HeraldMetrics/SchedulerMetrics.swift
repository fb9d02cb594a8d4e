/// What `herald scheduler` exports: how runs end, how late firing is, the queue, the workers and the deliveries.
/// Values that live elsewhere (stream lengths and breakers in Redis, the pool's in-flight runs) are read at scrape time.
public final class SchedulerMetrics: Sendable {
    public let registry = MetricsRegistry()
    /// Runs that reached a terminal status, by status and trigger.
    public let runs: Family<Counter>
    /// Release time minus the instant an execution was due on the queue (its slot plus the schedule's jitter).
    public let firingLateness: Histogram
    public let leasesReclaimed: Counter
    public let deadLetters: Counter
    /// Deliveries by channel kind and outcome (`succeeded`, `failed` to be retried, `dead`, `postponed`).
    public let deliveries: Family<Counter>
    /// Time spent delivering to one destination (all its recipients), by channel kind.
    public let deliveryDuration: Family<Histogram>

    public struct Readers: Sendable {
        public var inFlight: @Sendable () -> Int
        public var queueDepths: @Sendable () throws -> [(priority: Int, length: Int)]
        public var breakersOpen: @Sendable () throws -> Int

        public init(inFlight: @escaping @Sendable () -> Int, queueDepths: @escaping @Sendable () throws -> [(priority: Int, length: Int)],
                    breakersOpen: @escaping @Sendable () throws -> Int) {
            self.inFlight = inFlight
            self.queueDepths = queueDepths
            self.breakersOpen = breakersOpen
        }
    }

    public init(version: String, readers: Readers) {
        runs = registry.counter("herald_runs_total", help: "Runs that ended (succeeded, partial, failed, skipped, cancelled), by status and trigger.",
                                labels: ["status", "trigger"])
        firingLateness = registry.histogram("herald_firing_lateness_seconds",
                                            help: "How long after its instant (slot plus jitter) a fired execution went onto the queue.",
                                            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]).unlabelled
        registry.gauge("herald_queue_depth", help: "Entries in each priority's Redis stream (waiting, or taken and not yet acknowledged).",
                       labels: ["priority"]) {
            try readers.queueDepths().map { ([String($0.priority)], Double($0.length)) }
        }
        registry.gauge("herald_executions_in_flight", help: "Executions this process's workers are running now.") {
            [([], Double(readers.inFlight()))]
        }
        leasesReclaimed = registry.counter("herald_leases_reclaimed_total",
                                           help: "Stream entries of stopped workers this process took over (XAUTOCLAIM).").unlabelled
        deadLetters = registry.counter("herald_dead_letters_total",
                                       help: "Executions dead-lettered after their attempts kept ending without finishing.").unlabelled
        deliveries = registry.counter("herald_deliveries_total", help: "Delivery attempts by channel kind and outcome.",
                                      labels: ["channel", "outcome"])
        deliveryDuration = registry.histogram("herald_delivery_duration_seconds", help: "Time to deliver a run's files to one destination, by channel kind.",
                                              labels: ["channel"], buckets: Histogram.taskSeconds)
        registry.gauge("herald_circuit_breakers_open", help: "Hosts whose circuit breaker is open now (shared by every scheduler, from Redis).") {
            [([], Double(try readers.breakersOpen()))]
        }
        BuildInfo.register(in: registry, version: version)
    }
}
