import HeraldCore

/// `/account`'s "Alerts" form: the user's owner-alert rule, the default of every schedule they own (a schedule may
/// override it in its wizard). It shows the effective values; a blank N means the server's `HERALD_ALERT_EVERY`.
struct AccountAlertsView: Sendable, Encodable {
    let email: Bool
    let inApp: Bool
    let firstOnly: Bool
    let every: String
    let everyHint: String
    let recovery: Bool
    let sentence: String

    init(_ settings: AlertSettings, standardEvery: Int) {
        let rule = settings.applied(to: .standard(every: standardEvery))
        email = rule.email
        inApp = rule.inApp
        firstOnly = rule.failures == .first
        every = settings.every.map(String.init) ?? ""
        everyHint = "N, from 1 to 1000. Leave blank for the server's default (\(standardEvery))."
        recovery = rule.recovery
        sentence = rule.sentence
    }

    /// The form → settings: unticked boxes are absent (off); a number that is not one becomes 0, which the service
    /// refuses beside the field.
    static func settings(from form: [String: [String]]) -> AlertSettings {
        func ticked(_ name: String) -> Bool { form[name]?.first == "on" }
        let every = (form["alert_every"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        return AlertSettings(email: ticked("alert_email"), inApp: ticked("alert_in_app"), failures: form["alert_failures"]?.first ?? "every",
                             every: every.isEmpty ? nil : Int(every) ?? 0, recovery: ticked("alert_recovery"))
    }

    static let labels = ["alert_failures": "Alert on failures", "alert_every": "Every Nth failure"]
}
