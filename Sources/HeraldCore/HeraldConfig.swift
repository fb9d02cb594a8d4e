import Foundation

/// Herald's settings, read from `HERALD_*` environment variables (12-factor) and validated at start-up, so that a bad
/// deployment stops at once with a message naming the key instead of failing later mid-request.
public struct HeraldConfig: Sendable {
    public var databaseURL: String
    public var redisURL: String
    /// 32 bytes for secretbox and HMAC. Never logged, never printed.
    public var secretKey: [UInt8]
    /// The key before `secretKey`, given while `herald secrets rotate` re-seals what it sealed.
    public var previousSecretKey: [UInt8]?
    /// Unix socket path for `herald web`; nil means the socket arrives as fd 0 from systemd or spawn-fcgi.
    public var fastCGISocket: String?
    public var baseURL: String
    public var dataDirectory: String
    public var templatesDirectory: String
    public var logLevel: LogLevel
    /// `HERALD_LOG_FORMAT`: `text` (the default: one human line per event) or `json` (one JSON object per line, for
    /// journald, Loki or Elasticsearch).
    public var logFormat: LogFormat
    public var webThreads: Int
    /// The shortest gap allowed between a schedule's runs, in seconds.
    public var minimumInterval: Int64
    /// Worker threads in each `herald scheduler`; 0 makes a process that only fires and reconciles.
    public var workers: Int
    /// How long a worker's claim on an execution lasts without a heartbeat; after that another worker takes over.
    public var leaseSeconds: Double
    /// On SIGTERM, how long in-flight executions may take to finish before they are handed back.
    public var drainSeconds: Double
    public var retry: RetryPolicy
    /// Schedules a creator may own (admins are exempt).
    public var maxSchedulesPerUser: Int
    /// The largest row limit a report may set.
    public var maxRowLimit: Int
    /// The most slots one backfill may create runs for.
    public var maxBackfill: Int
    /// Folder destinations deliver only below this folder.
    public var deliveryRoot: String
    /// A session ends after this long without a request, and this long after sign-in whatever happens.
    public var sessionIdleSeconds: Int
    public var sessionAbsoluteSeconds: Int
    /// The largest request body `herald web` reads.
    public var maxRequestBytes: Int
    /// Where channels may connect besides public addresses (`HERALD_OUTBOUND_ALLOW`: host names and CIDRs).
    public var outboundAllowList: OutboundPolicy
    /// A PEM bundle trusted instead of the system's for outbound TLS (`HERALD_TLS_CA_FILE`).
    public var trustedCertificates: String?
    /// The most envelope recipients of one email (`HERALD_MAX_RECIPIENTS`).
    public var maxRecipients: Int
    /// Messages each mail server is sent per minute at most, by all schedulers together (0: no limit).
    public var smtpMessagesPerMinute: Int
    /// How long download links in emails and webhooks work, in days.
    public var linkDays: Int
    /// `HERALD_ALERT_EVERY` (default 5, 1 to 1000): a schedule's owner is emailed on the first failed or partial run
    /// of a streak and then on every Nth consecutive one (with 5: failures 1, 6, 11 …), and once when it recovers.
    public var alertEvery: Int
    /// `HERALD_RETENTION_DAYS` (default 90, 1 to 3650): finished runs and their files older than this are removed,
    /// unless pinned or their schedule sets its own period. Nil (`off` or `0`): runs without a period of their
    /// schedule's own are kept forever.
    public var retentionDays: Int?
    /// `HERALD_METRICS_PORT`: the loopback port `herald scheduler` serves `/metrics` on; nil (unset) serves none, so
    /// several schedulers on one machine need no ports handed out unless they are scraped.
    public var metricsPort: Int?

    public enum LogLevel: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// Reads and validates every key; the first problem found is thrown.
    public init(environment: [String: String]) throws(ConfigError) {
        func value(_ key: String) -> String? {
            guard let raw = environment[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func required(_ key: String, _ hint: String) throws(ConfigError) -> String {
            guard let v = value(key) else { throw ConfigError(key: key, reason: "is not set; \(hint)") }
            return v
        }

        databaseURL = try required("HERALD_DATABASE_URL", "set it to a postgresql:// URL")
        try Self.validateDatabaseURL(databaseURL)
        redisURL = try required("HERALD_REDIS_URL", "set it to a redis:// URL")
        guard redisURL.hasPrefix("redis://") else {
            throw ConfigError(key: "HERALD_REDIS_URL", reason: "must start with redis://")
        }
        secretKey = try Self.validatedSecretKey(value("HERALD_SECRET_KEY"))
        previousSecretKey = try value("HERALD_SECRET_KEY_PREVIOUS").map { raw throws(ConfigError) in
            try Self.validatedSecretKey(raw, key: "HERALD_SECRET_KEY_PREVIOUS")
        }
        fastCGISocket = value("HERALD_FCGI_SOCKET")
        baseURL = value("HERALD_BASE_URL") ?? "https://localhost:8443"
        guard let base = URL(string: baseURL), base.scheme == "https" || base.scheme == "http", base.host != nil else {
            throw ConfigError(key: "HERALD_BASE_URL", reason: "must be an absolute http(s) URL such as https://herald.example.org")
        }
        dataDirectory = value("HERALD_DATA_DIR") ?? "/var/lib/herald"
        templatesDirectory = value("HERALD_TEMPLATES_DIR") ?? "templates"
        let level = value("HERALD_LOG_LEVEL")?.lowercased() ?? "info"
        guard let parsedLevel = LogLevel(rawValue: level) else {
            throw ConfigError(key: "HERALD_LOG_LEVEL", reason: "must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        logLevel = parsedLevel
        guard let format = LogFormat(rawValue: value("HERALD_LOG_FORMAT")?.lowercased() ?? "text") else {
            throw ConfigError(key: "HERALD_LOG_FORMAT", reason: "must be text or json")
        }
        logFormat = format
        let threads = value("HERALD_WEB_THREADS") ?? "16"
        guard let count = Int(threads), (1...512).contains(count) else {
            throw ConfigError(key: "HERALD_WEB_THREADS", reason: "must be a whole number from 1 to 512")
        }
        webThreads = count
        let interval = value("HERALD_MIN_INTERVAL") ?? "3600"
        guard let seconds = Int64(interval), (1...86_400).contains(seconds) else {
            throw ConfigError(key: "HERALD_MIN_INTERVAL", reason: "must be a number of seconds from 1 to 86400")
        }
        minimumInterval = seconds
        func number(_ key: String, default fallback: Double, _ range: ClosedRange<Double>) throws(ConfigError) -> Double {
            guard let raw = value(key) else { return fallback }
            guard let parsed = Double(raw), range.contains(parsed) else {
                func show(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
                throw ConfigError(key: key, reason: "must be a number from \(show(range.lowerBound)) to \(show(range.upperBound))")
            }
            return parsed
        }
        workers = Int(try number("HERALD_WORKERS", default: 8, 0...256))
        leaseSeconds = try number("HERALD_LEASE_SECONDS", default: 30, 1...3600)
        drainSeconds = try number("HERALD_DRAIN_SECONDS", default: 30, 0...3600)
        maxSchedulesPerUser = Int(try number("HERALD_MAX_SCHEDULES_PER_USER", default: 10, 0...1_000_000))
        maxRowLimit = Int(try number("HERALD_MAX_ROW_LIMIT", default: 10_000_000, 1...1_000_000_000))
        maxBackfill = Int(try number("HERALD_MAX_BACKFILL", default: 366, 1...100_000))
        deliveryRoot = value("HERALD_DELIVERY_ROOT") ?? (dataDirectory as NSString).appendingPathComponent("deliveries")
        guard deliveryRoot.hasPrefix("/") else {
            throw ConfigError(key: "HERALD_DELIVERY_ROOT", reason: "must be an absolute path")
        }
        sessionIdleSeconds = Int(try number("HERALD_SESSION_IDLE_SECONDS", default: 1800, 60...86_400))
        sessionAbsoluteSeconds = Int(try number("HERALD_SESSION_ABSOLUTE_SECONDS", default: 43_200, 300...2_592_000))
        maxRequestBytes = Int(try number("HERALD_MAX_REQUEST_BYTES", default: 1_048_576, 1024...104_857_600))
        do { outboundAllowList = try OutboundPolicy(allowList: value("HERALD_OUTBOUND_ALLOW") ?? "") } catch {
            throw ConfigError(key: "HERALD_OUTBOUND_ALLOW", reason: error.message)
        }
        trustedCertificates = value("HERALD_TLS_CA_FILE")
        if let file = trustedCertificates, !FileManager.default.isReadableFile(atPath: file) {
            throw ConfigError(key: "HERALD_TLS_CA_FILE", reason: "names a file that cannot be read")
        }
        maxRecipients = Int(try number("HERALD_MAX_RECIPIENTS", default: 50, 1...1000))
        smtpMessagesPerMinute = Int(try number("HERALD_SMTP_MESSAGES_PER_MINUTE", default: 60, 0...100_000))
        linkDays = Int(try number("HERALD_LINK_DAYS", default: 7, 1...90))
        alertEvery = Int(try number("HERALD_ALERT_EVERY", default: 5, 1...1000))
        retentionDays = try Self.retentionDays(value("HERALD_RETENTION_DAYS"))
        metricsPort = try value("HERALD_METRICS_PORT").map { raw throws(ConfigError) in
            guard let port = Int(raw), (1...65_535).contains(port) else {
                throw ConfigError(key: "HERALD_METRICS_PORT", reason: "must be a port number from 1 to 65535 (unset: no metrics listener)")
            }
            return port
        }
        retry = RetryPolicy(maxAttempts: Int(try number("HERALD_RETRY_ATTEMPTS", default: 3, 1...20)),
                            baseSeconds: try number("HERALD_RETRY_BASE_SECONDS", default: 30, 0.01...86_400),
                            capSeconds: 6 * 3600)
    }

    /// Parses a libpq URI far enough to catch what would otherwise surface as a connection error much later: the
    /// scheme, a port that is a number in range, valid percent-encoding, no spaces. The reason
    /// names the part, never its value: the URL may carry a password.
    static func validateDatabaseURL(_ url: String) throws(ConfigError) {
        let key = "HERALD_DATABASE_URL"
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            throw ConfigError(key: key, reason: "must start with postgresql://")
        }
        guard !url.contains(where: \.isWhitespace), let parts = URLComponents(string: url) else {
            throw ConfigError(key: key, reason: "is not a valid URL (check percent-encoding: a password with @, : or / must be percent-encoded)")
        }
        if let port = parts.port, !(1...65_535).contains(port) {
            throw ConfigError(key: key, reason: "has a port outside 1-65535")
        }
        // libpq refuses a `%` that does not start an escape; URLComponents lets it through in the user-info part.
        let bytes = Array(url.utf8)
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "%") {
            let escape = bytes.dropFirst(index + 1).prefix(2)
            guard escape.count == 2, escape.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else {
                throw ConfigError(key: key, reason: "has invalid percent-encoding (a % must be followed by two hex digits)")
            }
        }
    }

    /// Whole days from 1 to 3650, or `off`/`0` for no default period.
    static func retentionDays(_ raw: String?) throws(ConfigError) -> Int? {
        guard let raw else { return 90 }
        if raw.lowercased() == "off" || raw == "0" { return nil }
        guard let days = Int(raw), (1...3650).contains(days) else {
            throw ConfigError(key: "HERALD_RETENTION_DAYS", reason: "must be a whole number of days from 1 to 3650, or off")
        }
        return days
    }

    static let howToMakeAKey = "make one with `herald key generate` (or `openssl rand -base64 32`)"

    /// A key is refused unless it is base64 of exactly 32 bytes that look random: a weak key lets anyone forge
    /// sessions and read stored credentials (Superset CVE-2023-27524).
    static func validatedSecretKey(_ raw: String?, key: String = "HERALD_SECRET_KEY") throws(ConfigError) -> [UInt8] {
        guard let raw else { throw ConfigError(key: key, reason: "is not set; \(howToMakeAKey)") }
        guard let data = Data(base64Encoded: raw) else {
            throw ConfigError(key: key, reason: "is not valid base64; \(howToMakeAKey)")
        }
        let bytes = [UInt8](data)
        guard bytes.count == 32 else {
            throw ConfigError(key: key, reason: "must decode to 32 bytes, not \(bytes.count); \(howToMakeAKey)")
        }
        if Set(bytes).count < 16 || isPrintableText(bytes) || isSequence(bytes) {
            throw ConfigError(key: key, reason: "is too weak (it does not look random); \(howToMakeAKey)")
        }
        return bytes
    }

    /// 32 printable ASCII bytes means someone base64-encoded a passphrase, not random bytes.
    private static func isPrintableText(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }

    private static func isSequence(_ bytes: [UInt8]) -> Bool {
        let steps = zip(bytes.dropFirst(), bytes).map { $0 &- $1 }
        return Set(steps).count == 1
    }
}

/// A configuration problem: names the key and the reason, never the value (it may be a secret).
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let reason: String
    public var description: String { "\(key) \(reason)" }

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
}
