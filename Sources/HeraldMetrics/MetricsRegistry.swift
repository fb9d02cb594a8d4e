import Synchronization

/// The metrics of one process, rendered in the Prometheus text exposition format 0.0.4. Families render in the order
/// they were registered, their series sorted by label values, so a scrape reads the same every time.
///
/// Thread-safe: a series is found once (a lock per family) and then updated under its own lock, so many OS threads
/// counting at once contend only when they touch the same series.
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[any MetricFamily]>([])

    public init() {}

    public func counter(_ name: String, help: String, labels: [String] = []) -> Family<Counter> {
        register(Family(name: name, help: help, type: "counter", labels: labels) { Counter() })
    }

    public func gauge(_ name: String, help: String, labels: [String] = []) -> Family<Gauge> {
        register(Family(name: name, help: help, type: "gauge", labels: labels) { Gauge() })
    }

    public func histogram(_ name: String, help: String, labels: [String] = [], buckets: [Double]) -> Family<Histogram> {
        let bounds = buckets.sorted()
        return register(Family(name: name, help: help, type: "histogram", labels: labels) { Histogram(bounds: bounds) })
    }

    /// A gauge whose values are read at scrape time (a queue's length, a count kept elsewhere): `read` returns each
    /// series' label values (in `labels`' order) and value; when it throws, the family renders without series.
    public func gauge(_ name: String, help: String, labels: [String] = [],
                      read: @escaping @Sendable () throws -> [(labels: [String], value: Double)]) {
        _ = register(ScrapedGauge(name: name, help: help, labels: labels, read: read))
    }

    private func register<F: MetricFamily>(_ family: F) -> F {
        families.withLock { all in
            precondition(!all.contains { $0.name == family.name }, "\(family.name) is registered twice")
            all.append(family)
        }
        return family
    }

    /// The exposition text, with `# HELP` and `# TYPE` for every family (also those without series yet).
    public func render() -> String {
        var out = ""
        for family in families.withLock({ $0 }) {
            out += "# HELP \(family.name) \(Exposition.escapeHelp(family.help))\n# TYPE \(family.name) \(family.type)\n"
            family.render(into: &out)
        }
        return out
    }

    /// The content type of `render()`'s text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

/// One named metric with its series, as the registry renders it.
protocol MetricFamily: Sendable {
    var name: String { get }
    var help: String { get }
    var type: String { get }
    func render(into out: inout String)
}

/// A series kept in memory, rendered under its family's name and labels.
public protocol MetricSeries: Sendable {
    func render(name: String, labels: String, into out: inout String)
}

/// A metric with labels: each distinct set of label values is one series, made on first use and kept. Keep the
/// series a hot path uses (`labels(...)` takes the family's lock and builds a key).
public final class Family<Series: MetricSeries>: MetricFamily, Sendable {
    public let name: String
    let help: String
    let type: String
    let labelNames: [String]
    private let make: @Sendable () -> Series
    private let series = Mutex<[[String]: Series]>([:])

    init(name: String, help: String, type: String, labels: [String], make: @escaping @Sendable () -> Series) {
        precondition(Exposition.isValidName(name), "\(name) is not a valid metric name")
        precondition(labels.allSatisfy { Exposition.isValidName($0) && $0 != "le" }, "\(name) has an invalid label name")
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labels
        self.make = make
    }

    /// The series for these label values, in the order of the family's label names.
    public func labels(_ values: String...) -> Series { labels(values) }

    public func labels(_ values: [String]) -> Series {
        precondition(values.count == labelNames.count, "\(name) takes \(labelNames.count) label values")
        return series.withLock { all in
            if let found = all[values] { return found }
            let made = make()
            all[values] = made
            return made
        }
    }

    func render(into out: inout String) {
        let all = series.withLock { $0 }
        for values in all.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            all[values]!.render(name: name, labels: Exposition.labels(labelNames, values), into: &out)
        }
    }
}

extension Family where Series == Counter {
    /// The series of a family without labels.
    public var unlabelled: Counter { labels([]) }
}

extension Family where Series == Gauge {
    public var unlabelled: Gauge { labels([]) }
}

extension Family where Series == Histogram {
    public var unlabelled: Histogram { labels([]) }
}

/// A gauge read at scrape time.
final class ScrapedGauge: MetricFamily, Sendable {
    let name: String
    let help: String
    let type = "gauge"
    let labelNames: [String]
    let read: @Sendable () throws -> [(labels: [String], value: Double)]

    init(name: String, help: String, labels: [String], read: @escaping @Sendable () throws -> [(labels: [String], value: Double)]) {
        precondition(Exposition.isValidName(name), "\(name) is not a valid metric name")
        self.name = name
        self.help = help
        self.labelNames = labels
        self.read = read
    }

    func render(into out: inout String) {
        guard let values = try? read() else { return }
        for (labels, value) in values where labels.count == labelNames.count {
            out += "\(name)\(Exposition.labels(labelNames, labels)) \(Exposition.number(value))\n"
        }
    }
}
