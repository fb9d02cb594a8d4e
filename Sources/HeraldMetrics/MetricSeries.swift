import Synchronization

/// A count that only goes up (`_total` names).
public final class Counter: MetricSeries, Sendable {
    private let value = Atomic<UInt64>(0)

    init() {}

    public func increment(by amount: UInt64 = 1) { value.add(amount, ordering: .relaxed) }

    public var count: UInt64 { value.load(ordering: .relaxed) }

    public func render(name: String, labels: String, into out: inout String) {
        out += "\(name)\(labels) \(count)\n"
    }
}

/// A value that goes up and down.
public final class Gauge: MetricSeries, Sendable {
    private let value = Mutex<Double>(0)

    init() {}

    public func set(_ new: Double) { value.withLock { $0 = new } }
    public func add(_ amount: Double) { value.withLock { $0 += amount } }
    public var current: Double { value.withLock { $0 } }

    public func render(name: String, labels: String, into out: inout String) {
        out += "\(name)\(labels) \(Exposition.number(current))\n"
    }
}

/// Observations counted into buckets by upper bound (rendered cumulative, with `+Inf`), with their sum and count.
public final class Histogram: MetricSeries, Sendable {
    struct State {
        var buckets: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }
    let bounds: [Double]
    private let state: Mutex<State>

    init(bounds: [Double]) {
        self.bounds = bounds
        state = Mutex(State(buckets: Array(repeating: 0, count: bounds.count)))
    }

    public func observe(_ value: Double) {
        // The first bound at or above the value; past the last, only `+Inf` (the count) holds it.
        var index = 0
        while index < bounds.count && value > bounds[index] { index += 1 }
        state.withLock { state in
            if index < state.buckets.count { state.buckets[index] += 1 }
            state.sum += value
            state.count += 1
        }
    }

    public var count: UInt64 { state.withLock { $0.count } }

    public func render(name: String, labels: String, into out: inout String) {
        let snapshot = state.withLock { $0 }
        // `le` goes last, after the family's own labels.
        let prefix = labels.isEmpty ? "{" : String(labels.dropLast()) + ","
        var cumulative: UInt64 = 0
        for (bound, inBucket) in zip(bounds, snapshot.buckets) {
            cumulative += inBucket
            out += "\(name)_bucket\(prefix)le=\"\(Exposition.number(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket\(prefix)le=\"+Inf\"} \(snapshot.count)\n"
        out += "\(name)_sum\(labels) \(Exposition.number(snapshot.sum))\n"
        out += "\(name)_count\(labels) \(snapshot.count)\n"
    }

    /// Bounds for durations of a web request, in seconds.
    public static let requestSeconds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Bounds for slower work (deliveries, lateness), in seconds.
    public static let taskSeconds: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]
}
