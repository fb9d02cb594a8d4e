import HeraldCore
import HeraldStore

/// Step 4's "Alerts and upkeep" section: the schedule's own alert settings (each "the owner's setting" by default,
/// which the choice names) and its upkeep limits (pause after K failures, data-late deadline, retention), all
/// optional. Blank or "the owner's setting" stores null.
struct WizardAlertsView: Sendable, Encodable {
    let email: [Choice]
    let inApp: [Choice]
    let failures: [Choice]
    let every: String
    let everyHint: String
    let recovery: [Choice]
    let pauseAfterFailures: String
    let deadlineMinutes: String
    let retentionDays: String
    /// The rule the settings chosen so far make, in words.
    let effective: String
    /// Open when something in it is set or wrong (a `<details>` that shows itself).
    let open: Bool

    /// `owner`: the rule of the schedule's owner (the actor, for a new schedule).
    init(_ draft: ScheduleDraft, owner: AlertRule, errors: FormErrors) {
        func flag(_ value: Bool?, ownerValue: Bool) -> [Choice] {
            [Choice(value: "", label: "The owner's setting (\(ownerValue ? "on" : "off"))", checked: value == nil),
             Choice(value: "on", label: "On", checked: value == true), Choice(value: "off", label: "Off", checked: value == false)]
        }
        let alerts = draft.alerts
        email = flag(alerts.email, ownerValue: owner.email)
        inApp = flag(alerts.inApp, ownerValue: owner.inApp)
        recovery = flag(alerts.recovery, ownerValue: owner.recovery)
        let ownerFailures = owner.failures == .first ? "the first of a streak only" : "the first, then every \(AlertRule.ordinal(owner.every))"
        failures = [Choice(value: "", label: "The owner's setting (\(ownerFailures))", checked: alerts.failures == nil),
                    Choice(value: AlertRule.Failures.first.rawValue, label: "The first failure of a streak only", checked: alerts.failures == "first"),
                    Choice(value: AlertRule.Failures.every.rawValue, label: "The first failure, then every Nth", checked: alerts.failures == "every")]
        every = alerts.every.map(String.init) ?? ""
        everyHint = "N, from 1 to 1000. Leave blank for the owner's (\(owner.every))."
        pauseAfterFailures = draft.pauseAfterFailures.map(String.init) ?? ""
        deadlineMinutes = draft.deadlineMinutes.map(String.init) ?? ""
        retentionDays = draft.retentionDays.map(String.init) ?? ""
        effective = alerts.applied(to: owner).sentence
        let fields = ["alert_email", "alert_in_app", "alert_failures", "alert_every", "alert_recovery", "pause_after_failures",
                      "deadline_minutes", "retention_days"]
        open = !alerts.isEmpty || draft.pauseAfterFailures != nil || draft.deadlineMinutes != nil || draft.retentionDays != nil
            || fields.contains { errors.fields[$0] != nil }
    }

    /// The wizard's form values → the draft (a number that is not one becomes 0, which the service refuses beside
    /// its field).
    static func apply(_ value: (String) -> String, to draft: inout ScheduleDraft) {
        func flag(_ name: String) -> Bool? {
            switch value(name) { case "on": true; case "off": false; default: nil }
        }
        func number(_ name: String) -> Int? { value(name).nonEmpty.map { Int($0) ?? 0 } }
        draft.alerts = AlertSettings(email: flag("alert_email"), inApp: flag("alert_in_app"), failures: value("alert_failures").nonEmpty,
                                     every: number("alert_every"), recovery: flag("alert_recovery"))
        draft.pauseAfterFailures = number("pause_after_failures")
        draft.deadlineMinutes = number("deadline_minutes")
        draft.retentionDays = number("retention_days")
    }

    static let fields: Set<String> = ["alert_email", "alert_in_app", "alert_failures", "alert_every", "alert_recovery",
                                      "pause_after_failures", "deadline_minutes", "retention_days"]
    static let labels = ["alert_email": "Email alerts", "alert_in_app": "In-app alerts", "alert_failures": "Alert on failures",
                         "alert_every": "Every Nth failure", "alert_recovery": "Alert on recovery",
                         "pause_after_failures": "Pause after failures", "deadline_minutes": "Deadline", "retention_days": "Keep runs for"]
}
