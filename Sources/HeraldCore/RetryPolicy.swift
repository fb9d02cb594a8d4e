/// Delivery retries: exponential backoff with full jitter (a delay drawn uniformly from zero to the exponential
/// bound), so that many deliveries failing together against one server do not all come back at the same moment.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included.
    public var maxAttempts: Int
    /// The bound after the first failure; it doubles after each further one.
    public var baseSeconds: Double
    public var capSeconds: Double

    public init(maxAttempts: Int = 3, baseSeconds: Double = 30, capSeconds: Double = 3600) {
        self.maxAttempts = maxAttempts
        self.baseSeconds = baseSeconds
        self.capSeconds = max(capSeconds, baseSeconds)
    }

    /// The upper bound of the delay after attempt `attempt` (1-based) failed.
    public func bound(afterAttempt attempt: Int) -> Double {
        min(capSeconds, baseSeconds * Double(1 << min(max(attempt - 1, 0), 30)))
    }

    /// The delay before the next attempt after attempt `attempt` failed, or nil when that was the last one.
    public func delay(afterAttempt attempt: Int, random: (Double) -> Double = { Double.random(in: 0...$0) }) -> Double? {
        attempt >= maxAttempts ? nil : random(bound(afterAttempt: attempt))
    }
}
