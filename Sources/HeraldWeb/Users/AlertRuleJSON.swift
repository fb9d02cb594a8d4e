import Foundation
import HeraldCore

/// An effective owner-alert rule in the API (read-only): what a schedule's runs (`Schedule.alert_rule`) or a user's
/// schedules by default (`Me.alert_rule`) alert by, with the rule in words.
struct AlertRuleJSON: Encodable {
    let email: Bool
    let inApp: Bool
    let failures: String
    let every: Int
    let recovery: Bool
    /// A schedule's: whether it follows its owner's settings entirely.
    let fromOwner: Bool?
    let description: String

    init(_ rule: AlertRule, fromOwner: Bool? = nil) {
        email = rule.email; inApp = rule.inApp; failures = rule.failures.rawValue; every = rule.every; recovery = rule.recovery
        self.fromOwner = fromOwner
        description = rule.sentence
    }

    enum CodingKeys: String, CodingKey { case email, inApp, failures, every, recovery, fromOwner, description }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(email, forKey: .email); try c.encode(inApp, forKey: .inApp); try c.encode(failures, forKey: .failures)
        try c.encode(every, forKey: .every); try c.encode(recovery, forKey: .recovery)
        try c.encodeIfPresent(fromOwner, forKey: .fromOwner); try c.encode(description, forKey: .description)
    }

    /// Its OpenAPI schema; `schedule` adds `from_owner`.
    static func schema(schedule: Bool) -> [String: Any] {
        var properties: [String: Any] = [
            "email": ["type": "boolean"], "in_app": ["type": "boolean"],
            "failures": ["type": "string", "enum": AlertRule.Failures.allCases.map(\.rawValue),
                         "description": "first: the first failure of a streak only; every: the first, then every Nth"],
            "every": ["type": "integer", "minimum": 1, "maximum": 1000, "description": "N (used with failures = every)"],
            "recovery": ["type": "boolean", "description": "Tell the owner once when a run succeeds after an alerted streak"],
            "description": ["type": "string", "description": "The rule in words"],
        ]
        var required = ["email", "in_app", "failures", "every", "recovery", "description"]
        if schedule {
            properties["from_owner"] = ["type": "boolean", "description": "Whether every setting is the owner's (none overridden)"]
            required.append("from_owner")
        }
        return ["type": "object", "readOnly": true, "required": required, "properties": properties,
                "description": "The effective rule: the schedule's settings over its owner's over the standard rule (HERALD_ALERT_EVERY)"]
    }

    /// The writable settings' OpenAPI properties (`alert_email` …), each nullable; `owner` says what null means.
    static func settingsProperties(nullMeans: String) -> [String: Any] {
        [
            "alert_email": ["type": ["boolean", "null"], "description": "Email the owner of alerts; null: \(nullMeans)"],
            "alert_in_app": ["type": ["boolean", "null"], "description": "Notify the owner in-app (the bell) of alerts; null: \(nullMeans)"],
            "alert_failures": ["type": ["string", "null"], "enum": AlertRule.Failures.allCases.map(\.rawValue) + [NSNull()],
                               "description": "first: only the first failure of a streak; every: the first, then every alert_every'th; null: \(nullMeans)"],
            "alert_every": ["type": ["integer", "null"], "minimum": 1, "maximum": 1000,
                            "description": "N for alert_failures = every; null: \(nullMeans)"],
            "alert_recovery": ["type": ["boolean", "null"], "description": "Tell the owner once when it works again; null: \(nullMeans)"],
        ]
    }
}
