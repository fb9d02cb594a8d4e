import HeraldCore
import HeraldStore

/// The wizard's five steps, in order, and which fields each one asks for (so a step shows only its own errors).
enum WizardStep: String, CaseIterable, Sendable {
    case report, frequency, parameters, distribution, review

    var number: Int { Self.allCases.firstIndex(of: self)! + 1 }

    var title: String {
        switch self {
        case .report: "Choose the report"
        case .frequency: "How often it runs"
        case .parameters: "Report parameters"
        case .distribution: "Where it goes"
        case .review: "Check and activate"
        }
    }

    var previous: WizardStep? { number > 1 ? Self.allCases[number - 2] : nil }
    var next: WizardStep? { number < Self.allCases.count ? Self.allCases[number] : nil }

    static let reportFields: Set<String> = ["report_id", "name"]
    static let parameterFields: Set<String> = ["parameters"]
    static let distributionFields: Set<String> = Set<String>(["destination_ids", "formats", "filename_pattern", "naming",
                                                  "delivery_condition.mode", "delivery_condition.measure", "delivery_condition.column",
                                                  "delivery_condition.operator", "delivery_condition.threshold",
                                                  "email_subject", "email_body_md", "template_id"]).union(WizardAlertsView.fields)
    static let reviewFields: Set<String> = ["limit", "pause_note", "shared_with"]

    /// The input an error summary links to, for fields whose input is not id'd after them: a group's first input,
    /// or (a report's or a destination's radio being known only with the choices) the group's box.
    static let anchors = [
        "recurrence": "kind-\(Recurrence.Kind.once.rawValue)", "interval": "interval_minutes", "days": "day-0",
        "misfire_policy": "misfire-\(MisfirePolicy.allCases[0].rawValue)", "overlap_policy": "overlap-\(OverlapPolicy.allCases[0].rawValue)",
        "report_id": "field-report_id", "destination_ids": "field-destination_ids", "formats": "format-\(ScheduleService.formats[0])",
        "naming": "naming-overwrite", "limit": "field-limit",
        "delivery_condition.mode": "deliver-\(DeliveryCondition.Mode.always.rawValue)", "delivery_condition.measure": "delivery_measure",
        "delivery_condition.column": "delivery_column", "delivery_condition.operator": "delivery_operator",
        "delivery_condition.threshold": "delivery_threshold", "template_id": "template_id",
    ]

    /// How the error summary names fields whose label is not their name.
    static let labels = ["report_id": "Report", "recurrence": "Frequency", "at": "Date and time", "day_of_month": "Day of the month",
                         "cron": "Cron expression", "starts_at": "Not before", "ends_at": "Not after", "max_runs": "Most runs",
                         "misfire_policy": "Missed runs", "overlap_policy": "Overlapping runs", "jitter_seconds": "Jitter",
                         "destination_ids": "Destinations", "filename_pattern": "File name", "naming": "If the file exists",
                         "pause_note": "Note", "delivery_condition.mode": "Deliver", "delivery_condition.measure": "What to check",
                         "delivery_condition.column": "Column", "delivery_condition.operator": "Comparison",
                         "delivery_condition.threshold": "Value", "email_subject": "Email subject",
                         "email_body_md": "Email message", "template_id": "Template"].merging(WizardAlertsView.labels) { a, _ in a }

    /// The step that asks for `field` (recurrence fields, policies and jitter are all on the frequency step).
    static func owning(_ field: String) -> WizardStep {
        if reportFields.contains(field) { return .report }
        if parameterFields.contains(field) || field.hasPrefix("parameters.") { return .parameters }
        if distributionFields.contains(field) || field.hasPrefix("export_options.") { return .distribution }
        if reviewFields.contains(field) { return .review }
        return .frequency
    }
}
