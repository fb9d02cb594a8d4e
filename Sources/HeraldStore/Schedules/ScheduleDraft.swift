import Foundation
import HeraldCore

/// A schedule as someone describes it, before the service has checked it: the API's request body, the wizard's
/// server-side draft and the CLI's options all become one of these. Every field has a default, so a half-filled
/// wizard draft decodes, and the service reports every missing or wrong field at once.
public struct ScheduleDraft: Codable, Sendable, Equatable {
    public var name: String
    public var reportID: UUID?
    public var recurrence: Recurrence?
    /// Values for the report's parameters by name, as given (relative dates stay relative until a run).
    public var parameters: [String: ParameterInput]
    public var destinationIDs: [UUID]
    public var formats: [String]
    public var exportOptions: ExportOptions
    public var filenamePattern: String
    public var naming: String
    public var misfirePolicy: String
    public var overlapPolicy: String
    public var jitterSeconds: Int
    public var priority: Int
    public var paused: Bool
    public var pauseNote: String
    /// Users the schedule is shared with; nil leaves the shares as they are.
    public var sharedWith: [UUID]?
    /// When a run delivers (always, only with rows, only when changed, only when a condition holds).
    public var deliveryCondition: DeliveryCondition
    /// The subject and Markdown body for the schedule's email destinations; when non-empty each wins over the
    /// destination's own (a distribution template sets them).
    public var emailSubject: String
    public var emailBodyMd: String
    /// The distribution template the destinations, formats, naming and message were copied from (only a note of
    /// where they came from: changing the template later changes no schedule).
    public var templateID: UUID?
    /// How many days retention keeps this schedule's finished runs (1 to 3650); nil: `HERALD_RETENTION_DAYS`.
    public var retentionDays: Int?
    /// After this many consecutive failed or partial runs (1 to 100) the schedule pauses itself; nil: never.
    public var pauseAfterFailures: Int?
    /// Minutes after each slot (1 to 10080) by which its run should have succeeded, else the owner is told; nil: none.
    public var deadlineMinutes: Int?
    /// The owner-alert rule's overrides (migration 0029), each nil to follow the owner's setting.
    public var alertEmail: Bool?
    public var alertInApp: Bool?
    /// `first` or `every`.
    public var alertFailures: String?
    public var alertEvery: Int?
    public var alertRecovery: Bool?

    /// The alert overrides together.
    public var alerts: AlertSettings {
        get { AlertSettings(email: alertEmail, inApp: alertInApp, failures: alertFailures, every: alertEvery, recovery: alertRecovery) }
        set {
            alertEmail = newValue.email; alertInApp = newValue.inApp; alertFailures = newValue.failures
            alertEvery = newValue.every; alertRecovery = newValue.recovery
        }
    }

    public static let defaultFilenamePattern = "{report_name}_{date}_{time}.{format}"

    public init(name: String = "", reportID: UUID? = nil, recurrence: Recurrence? = nil, parameters: [String: ParameterInput] = [:],
                destinationIDs: [UUID] = [], formats: [String] = ["csv"], exportOptions: ExportOptions = ExportOptions(), filenamePattern: String = ScheduleDraft.defaultFilenamePattern,
                naming: String = "overwrite", misfirePolicy: String = MisfirePolicy.runOnce.rawValue,
                overlapPolicy: String = OverlapPolicy.skip.rawValue, jitterSeconds: Int = 0, priority: Int = 5,
                paused: Bool = false, pauseNote: String = "", sharedWith: [UUID]? = nil,
                deliveryCondition: DeliveryCondition = .always, emailSubject: String = "", emailBodyMd: String = "",
                templateID: UUID? = nil, retentionDays: Int? = nil, pauseAfterFailures: Int? = nil,
                deadlineMinutes: Int? = nil, alerts: AlertSettings = AlertSettings()) {
        self.name = name
        self.reportID = reportID
        self.recurrence = recurrence
        self.parameters = parameters
        self.destinationIDs = destinationIDs
        self.formats = formats
        self.exportOptions = exportOptions
        self.filenamePattern = filenamePattern
        self.naming = naming
        self.misfirePolicy = misfirePolicy
        self.overlapPolicy = overlapPolicy
        self.jitterSeconds = jitterSeconds
        self.priority = priority
        self.paused = paused
        self.pauseNote = pauseNote
        self.sharedWith = sharedWith
        self.deliveryCondition = deliveryCondition
        self.emailSubject = emailSubject
        self.emailBodyMd = emailBodyMd
        self.templateID = templateID
        self.retentionDays = retentionDays
        self.pauseAfterFailures = pauseAfterFailures
        self.deadlineMinutes = deadlineMinutes
        self.alerts = alerts
    }

    /// snake_case, as the API names the fields (and as the wizard's draft is stored).
    enum CodingKeys: String, CodingKey {
        case name, recurrence, parameters, formats, naming, priority, paused
        case reportID = "report_id", destinationIDs = "destination_ids", filenamePattern = "filename_pattern"
        case misfirePolicy = "misfire_policy", overlapPolicy = "overlap_policy", jitterSeconds = "jitter_seconds"
        case pauseNote = "pause_note", sharedWith = "shared_with", exportOptions = "export_options"
        case deliveryCondition = "delivery_condition"
        case emailSubject = "email_subject", emailBodyMd = "email_body_md", templateID = "template_id"
        case retentionDays = "retention_days", pauseAfterFailures = "pause_after_failures"
        case deadlineMinutes = "deadline_minutes"
        case alertEmail = "alert_email", alertInApp = "alert_in_app", alertFailures = "alert_failures", alertEvery = "alert_every"
        case alertRecovery = "alert_recovery"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScheduleDraft()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        reportID = try c.decodeIfPresent(UUID.self, forKey: .reportID)
        recurrence = try c.decodeIfPresent(Recurrence.self, forKey: .recurrence)
        parameters = try c.decodeIfPresent([String: ParameterInput].self, forKey: .parameters) ?? d.parameters
        destinationIDs = try c.decodeIfPresent([UUID].self, forKey: .destinationIDs) ?? d.destinationIDs
        formats = try c.decodeIfPresent([String].self, forKey: .formats) ?? d.formats
        exportOptions = try c.decodeIfPresent(ExportOptions.self, forKey: .exportOptions) ?? d.exportOptions
        filenamePattern = try c.decodeIfPresent(String.self, forKey: .filenamePattern) ?? d.filenamePattern
        naming = try c.decodeIfPresent(String.self, forKey: .naming) ?? d.naming
        misfirePolicy = try c.decodeIfPresent(String.self, forKey: .misfirePolicy) ?? d.misfirePolicy
        overlapPolicy = try c.decodeIfPresent(String.self, forKey: .overlapPolicy) ?? d.overlapPolicy
        jitterSeconds = try c.decodeIfPresent(Int.self, forKey: .jitterSeconds) ?? d.jitterSeconds
        priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? d.priority
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused) ?? d.paused
        pauseNote = try c.decodeIfPresent(String.self, forKey: .pauseNote) ?? d.pauseNote
        sharedWith = try c.decodeIfPresent([UUID].self, forKey: .sharedWith)
        deliveryCondition = try c.decodeIfPresent(DeliveryCondition.self, forKey: .deliveryCondition) ?? d.deliveryCondition
        emailSubject = try c.decodeIfPresent(String.self, forKey: .emailSubject) ?? d.emailSubject
        emailBodyMd = try c.decodeIfPresent(String.self, forKey: .emailBodyMd) ?? d.emailBodyMd
        templateID = try c.decodeIfPresent(UUID.self, forKey: .templateID)
        retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays)
        pauseAfterFailures = try c.decodeIfPresent(Int.self, forKey: .pauseAfterFailures)
        deadlineMinutes = try c.decodeIfPresent(Int.self, forKey: .deadlineMinutes)
        alertEmail = try c.decodeIfPresent(Bool.self, forKey: .alertEmail)
        alertInApp = try c.decodeIfPresent(Bool.self, forKey: .alertInApp)
        alertFailures = try c.decodeIfPresent(String.self, forKey: .alertFailures)
        alertEvery = try c.decodeIfPresent(Int.self, forKey: .alertEvery)
        alertRecovery = try c.decodeIfPresent(Bool.self, forKey: .alertRecovery)
    }
}

/// The limits `herald web` and the CLI are configured with.
public struct ScheduleLimits: Sendable {
    /// The shortest gap allowed between runs, in seconds.
    public var minimumInterval: Int64
    /// How many schedules a non-admin may own.
    public var maxSchedulesPerUser: Int
    /// The most slots one backfill may create runs for (`HERALD_MAX_BACKFILL`).
    public var maxBackfill: Int

    public init(minimumInterval: Int64, maxSchedulesPerUser: Int, maxBackfill: Int = 366) {
        self.minimumInterval = minimumInterval
        self.maxSchedulesPerUser = maxSchedulesPerUser
        self.maxBackfill = maxBackfill
    }
}
