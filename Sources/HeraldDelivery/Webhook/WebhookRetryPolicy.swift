/// When one `deliver` tries again: at most `attempts` tries, on a timeout or a refused connection, a 5xx, 408 or 429;
/// waits `0.5 s`, `1 s`, … (±25 % jitter, so many schedules failing together do not retry in step), or the receiver's
/// `Retry-After` when it gave one. A wait longer than `cap` is not waited here: the delivery fails as transient with
/// `retryAfter`, and the scheduler's own retry takes over.
struct WebhookRetryPolicy: Sendable {
    var attempts = 3
    var base = 0.5
    var cap = 30.0

    static func isRetryable(status: Int) -> Bool { status == 408 || status == 429 || (500...599).contains(status) }

    /// The wait before attempt `next` (2, 3 …).
    func backoff(before next: Int) -> Double {
        let plain = base * Double(1 << max(0, next - 2))
        return plain * Double.random(in: 0.75...1.25)
    }
}
