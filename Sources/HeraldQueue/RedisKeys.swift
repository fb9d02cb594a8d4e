/// Every key Herald keeps in Redis, in one place: the scheduler, the web's readiness check and the CLI read the
/// same names from here. Redis holds nothing PostgreSQL cannot rebuild (ARCHITECTURE.md): ids, leases' stream
/// entries, heartbeats, breaker state.
public enum RedisKeys {
    /// Execution ids waiting for a worker, one stream per priority 0–9.
    public static func executions(priority: Int) -> String { "herald:executions:\(min(max(priority, 0), 9))" }
    /// The consumer group every worker of every scheduler reads the streams with.
    public static let workerGroup = "herald-workers"
    /// Present while the streams hold what PostgreSQL believes is enqueued; gone after Redis lost its data.
    public static let queueEpoch = "herald:queue-epoch"
    /// One process's last heartbeat (JSON, with a TTL).
    public static func heartbeat(_ processID: String) -> String { "herald:heartbeat:\(processID)" }
    /// Every process's id scored by its last beat, newest first with `ZREVRANGE`.
    public static let heartbeats = "herald:heartbeats"
    /// Consecutive delivery failures against a host, and the flag that opens its breaker.
    /// Failed sign-ins of one account (lower-cased e-mail), and until when it must wait.
    public static func signInFailures(account: String) -> String { "herald:signin:\(account):failures" }
    public static func signInLocked(account: String) -> String { "herald:signin:\(account):locked" }
    public static func breakerFailures(host: String) -> String { "herald:breaker:\(host):failures" }
    public static func breakerOpen(host: String) -> String { "herald:breaker:\(host):open" }
    /// `SCAN` pattern matching every open breaker's flag.
    public static let breakersOpen = "herald:breaker:*:open"
    /// Messages sent through a mail server in one minute (`minute`: Unix seconds / 60).
    public static func sendingRate(host: String, minute: Int64) -> String { "herald:rate:\(host):\(minute)" }
}
