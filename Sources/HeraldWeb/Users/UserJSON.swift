import Foundation
import HeraldCore
import HeraldStore

/// A user in the API: `{"id","email","display_name","role","time_zone","disabled"}`. Never the password hash.
struct UserJSON: Encodable {
    let id: UUID
    let email: String
    let displayName: String
    let role: String
    let timeZone: String
    let disabled: Bool

    init(_ user: User) {
        id = user.id
        email = user.email
        displayName = user.displayName
        role = user.role.rawValue
        timeZone = user.timeZone
        disabled = user.isDisabled
    }
}

/// The answer to creating a user: the user, and the generated password when none was given (shown only here).
struct CreatedUserJSON: Encodable {
    let user: UserJSON
    let generatedPassword: String?

    enum CodingKeys: String, CodingKey { case generatedPassword }

    func encode(to encoder: any Encoder) throws {
        try user.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(generatedPassword, forKey: .generatedPassword)
    }
}

/// `GET /api/v1/me`.
struct MeJSON: Encodable {
    let id: UUID
    let email: String
    let displayName: String
    let role: String
    let timeZone: String
    /// Whether the weekly summary email is on (`/account`).
    let weeklySummary: Bool
    /// The owner-alert settings as stored (nil: the standard rule's), and the rule they make.
    let alerts: AlertSettings
    let alertRule: AlertRuleJSON

    enum CodingKeys: String, CodingKey {
        case id, email, displayName, role, timeZone, weeklySummary, alertEmail, alertInApp, alertFailures, alertEvery, alertRecovery, alertRule
    }

    /// `null` settings are written out: the schema says they are always present.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(email, forKey: .email); try c.encode(displayName, forKey: .displayName)
        try c.encode(role, forKey: .role); try c.encode(timeZone, forKey: .timeZone); try c.encode(weeklySummary, forKey: .weeklySummary)
        try c.encode(alerts.email, forKey: .alertEmail); try c.encode(alerts.inApp, forKey: .alertInApp)
        try c.encode(alerts.failures, forKey: .alertFailures); try c.encode(alerts.every, forKey: .alertEvery)
        try c.encode(alerts.recovery, forKey: .alertRecovery); try c.encode(alertRule, forKey: .alertRule)
    }
}

/// `PATCH /api/v1/me`: the fields given change (a null alert setting goes back to the standard rule's).
struct MeChange: Decodable {
    let weeklySummary: Bool?
    let alertEmail: Bool?
    let alertInApp: Bool?
    let alertFailures: String?
    let alertEvery: Int?
    let alertRecovery: Bool?

    enum CodingKeys: String, CodingKey {
        case weeklySummary = "weekly_summary", alertEmail = "alert_email", alertInApp = "alert_in_app", alertFailures = "alert_failures"
        case alertEvery = "alert_every", alertRecovery = "alert_recovery"
    }

    /// The stored settings with the body's given fields put over them.
    static func applied(_ body: [String: Any], to current: AlertSettings) throws -> (weeklySummary: Bool?, alerts: AlertSettings) {
        let change = try ScheduleBody.decode(MeChange.self, from: body)
        var alerts = current
        if body.keys.contains("alert_email") { alerts.email = change.alertEmail }
        if body.keys.contains("alert_in_app") { alerts.inApp = change.alertInApp }
        if body.keys.contains("alert_failures") { alerts.failures = change.alertFailures }
        if body.keys.contains("alert_every") { alerts.every = change.alertEvery }
        if body.keys.contains("alert_recovery") { alerts.recovery = change.alertRecovery }
        return (change.weeklySummary, alerts)
    }
}

/// An API token as its owner sees it: never the token, never its hash. Absent instants are `null`.
struct ApiTokenJSON: Encodable {
    let id: UUID
    let name: String
    let prefix: String
    let createdAt: Date
    let lastUsedAt: Date?
    let expiresAt: Date?

    init(_ token: ApiToken) {
        id = token.id
        name = token.name
        prefix = token.prefix
        createdAt = token.createdAt
        lastUsedAt = token.lastUsedAt
        expiresAt = token.expiresAt
    }

    enum CodingKeys: String, CodingKey { case id, name, prefix, createdAt, lastUsedAt, expiresAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}

/// `201 {"id","token","expires_at"}`: the only time a token is shown.
struct IssuedTokenJSON: Encodable {
    let id: UUID
    let token: String
    let expiresAt: Date?

    enum CodingKeys: String, CodingKey { case id, token, expiresAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(token, forKey: .token)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}
