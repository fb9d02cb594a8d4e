import Foundation

/// When and how a schedule's owner hears of its runs (issue 12): by email and/or in-app, on the first failed (or
/// partial) run of a streak only, or on the first and then every `every`th one (failures 1, 1+N, 1+2N …), and once on
/// the first success after a streak that was alerted. One rule decides both channels. The default reproduces what
/// Herald always did for email: both channels, every `HERALD_ALERT_EVERY`th failure, and recovery.
public struct AlertRule: Sendable, Equatable {
    public enum Failures: String, Sendable, CaseIterable {
        /// Only the first failure of a streak.
        case first
        /// The first, then every `every`th.
        case every
    }

    public var email: Bool
    public var inApp: Bool
    public var failures: Failures
    /// 1 to 1000; used only with `.every`.
    public var every: Int
    public var recovery: Bool

    public init(email: Bool = true, inApp: Bool = true, failures: Failures = .every, every: Int, recovery: Bool = true) {
        self.email = email
        self.inApp = inApp
        self.failures = failures
        self.every = max(1, every)
        self.recovery = recovery
    }

    /// The rule of a user who changed nothing: `HERALD_ALERT_EVERY`.
    public static func standard(every: Int) -> AlertRule { AlertRule(every: every) }

    /// Whether any channel is on: a rule with none tells nobody anything.
    public var tellsAnyone: Bool { email || inApp }

    /// Whether the failure at `streak` (1 = the first of a streak) is one that alerts.
    public func alerts(atFailure streak: Int) -> Bool {
        guard streak >= 1 else { return false }
        switch failures {
        case .first: return streak == 1
        case .every: return (streak - 1) % every == 0
        }
    }

    /// The rule in words, as the schedule page says it: "Email and in-app on the first failure, then every 5th; on
    /// recovery".
    public var sentence: String {
        let channels: String
        switch (email, inApp) {
        case (true, true): channels = "Email and in-app"
        case (true, false): channels = "Email only"
        case (false, true): channels = "In-app only"
        case (false, false): return "No alerts"
        }
        var words = channels + " on the first failure"
        if failures == .every { words += every == 1 ? ", then every failure" : ", then every \(Self.ordinal(every))" }
        words += recovery ? "; on recovery" : "; not on recovery"
        return words
    }

    /// 2 → "2nd", 11 → "11th", 23 → "23rd".
    public static func ordinal(_ n: Int) -> String {
        let suffix: String
        switch (n % 10, n % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(n)\(suffix)"
    }
}

/// The alert settings a user or a schedule stored, each nil when not set: a user's nil is the standard rule's value,
/// a schedule's nil is its owner's. The same five columns on `users` and `schedules` (migration 0029).
public struct AlertSettings: Codable, Sendable, Equatable {
    public var email: Bool?
    public var inApp: Bool?
    /// `first` or `every` (`AlertRule.Failures`), as given (checked by `validate`).
    public var failures: String?
    public var every: Int?
    public var recovery: Bool?

    public init(email: Bool? = nil, inApp: Bool? = nil, failures: String? = nil, every: Int? = nil, recovery: Bool? = nil) {
        self.email = email
        self.inApp = inApp
        self.failures = failures
        self.every = every
        self.recovery = recovery
    }

    public static let everyRange = 1...1000

    /// Whether nothing is set (a schedule that follows its owner).
    public var isEmpty: Bool { self == AlertSettings() }

    /// What is wrong, named by the API's and the forms' field names (`alert_failures`, `alert_every`).
    public func validate() -> [ValidationError] {
        var errors: [ValidationError] = []
        if let failures, AlertRule.Failures(rawValue: failures) == nil {
            errors.append(ValidationError(field: "alert_failures", message: "must be first or every"))
        }
        if let every, !Self.everyRange.contains(every) {
            errors.append(ValidationError(field: "alert_every", message: "must be from 1 to 1000 failures"))
        }
        return errors
    }

    /// `base` with what is set here put over it.
    public func applied(to base: AlertRule) -> AlertRule {
        var rule = base
        if let email { rule.email = email }
        if let inApp { rule.inApp = inApp }
        if let failures, let parsed = AlertRule.Failures(rawValue: failures) { rule.failures = parsed }
        if let every, Self.everyRange.contains(every) { rule.every = every }
        if let recovery { rule.recovery = recovery }
        return rule
    }
}
