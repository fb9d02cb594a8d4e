import HeraldCore

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
    static let distributionFields: Set<String> = ["destination_ids", "formats", "filename_pattern", "naming"]
    static let reviewFields: Set<String> = ["limit", "pause_note", "shared_with"]

    /// The step that asks for `field` (recurrence fields, policies and jitter are all on the frequency step).
    static func owning(_ field: String) -> WizardStep {
        if reportFields.contains(field) { return .report }
        if parameterFields.contains(field) { return .parameters }
        if distributionFields.contains(field) { return .distribution }
        if reviewFields.contains(field) { return .review }
        return .frequency
    }
}
