import Foundation
import HeraldCore

/// A stored schedule as pages and the API show it. A class: lists hand the same remembered records to every thread
/// (`StoredScheduleRecords`), and copying one costs one retain, not one for each of its forty fields (measured: a
/// fifth of `herald web`'s time in the schedule list API went to copying and releasing records).
public final class ScheduleRecord: Sendable {
    public struct LastRun: Sendable, Equatable, Codable {
        public let id: UUID
        public let status: String
        public let finishedAt: Date?
    }

    public let id: UUID
    public let name: String
    public let reportID: UUID
    public let reportName: String
    public let recurrence: Recurrence
    public let cron: String?
    /// The recurrence in words ("Every weekday at 07:00, Europe/Berlin").
    public let description: String
    public let parameters: [String: ParameterInput]
    public let destinationIDs: [UUID]
    public let formats: [String]
    public let exportOptions: ExportOptions
    public let filenamePattern: String
    public let naming: String
    public let misfirePolicy: String
    public let overlapPolicy: String
    public let jitterSeconds: Int
    public let priority: Int
    public let paused: Bool
    public let pauseNote: String
    public let brokenReason: String?
    public let sharedWith: [UUID]
    /// When a run delivers; a run that does not ends `skipped` with the reason.
    public let deliveryCondition: DeliveryCondition
    /// The message text for email destinations (empty: the destination's own).
    public let emailSubject: String
    public let emailBodyMd: String
    /// The distribution template the distribution was copied from, while it exists.
    public let templateID: UUID?
    /// Retention's period for this schedule's runs, in days; nil: the default.
    public let retentionDays: Int?
    /// Consecutive failed or partial runs after which the schedule pauses itself; nil: never.
    public let pauseAfterFailures: Int?
    /// Minutes after a slot by which its run should have succeeded; nil: no deadline.
    public let deadlineMinutes: Int?
    /// The schedule's own alert settings (nil fields follow the owner's).
    public let alerts: AlertSettings
    /// The owner's alert settings (nil fields: the standard rule's).
    public let ownerAlerts: AlertSettings
    public let ownerID: UUID?
    public let nextRunAt: Date?
    public let lastRun: LastRun?
    public let createdAt: Date
    public let updatedAt: Date
    /// The sort key of this row in the list (created_at as PostgreSQL prints it, exactly), for the next page's cursor.
    public let createdKey: String
    /// The stored versions of the rows this record was read from (see `StoredScheduleRecords`): within one run of
    /// the database server, two reads with the same version are the same record, so what is made from a record
    /// alone (its JSON, its row in a list) may be remembered by its id and version.
    public let version: String

    init(id: UUID, name: String, reportID: UUID, reportName: String, recurrence: Recurrence, cron: String?,
         description: String, parameters: [String: ParameterInput], destinationIDs: [UUID], formats: [String],
         exportOptions: ExportOptions, filenamePattern: String, naming: String, misfirePolicy: String,
         overlapPolicy: String, jitterSeconds: Int, priority: Int, paused: Bool, pauseNote: String,
         brokenReason: String?, sharedWith: [UUID], deliveryCondition: DeliveryCondition, emailSubject: String,
         emailBodyMd: String, templateID: UUID?, retentionDays: Int?, pauseAfterFailures: Int?,
         deadlineMinutes: Int?, alerts: AlertSettings, ownerAlerts: AlertSettings, ownerID: UUID?, nextRunAt: Date?,
         lastRun: LastRun?, createdAt: Date, updatedAt: Date, createdKey: String, version: String) {
        self.id = id
        self.name = name
        self.reportID = reportID
        self.reportName = reportName
        self.recurrence = recurrence
        self.cron = cron
        self.description = description
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
        self.brokenReason = brokenReason
        self.sharedWith = sharedWith
        self.deliveryCondition = deliveryCondition
        self.emailSubject = emailSubject
        self.emailBodyMd = emailBodyMd
        self.templateID = templateID
        self.retentionDays = retentionDays
        self.pauseAfterFailures = pauseAfterFailures
        self.deadlineMinutes = deadlineMinutes
        self.alerts = alerts
        self.ownerAlerts = ownerAlerts
        self.ownerID = ownerID
        self.nextRunAt = nextRunAt
        self.lastRun = lastRun
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdKey = createdKey
        self.version = version
    }

    /// What the schedule was made from, for an edit that starts from it.
    public var draft: ScheduleDraft {
        ScheduleDraft(name: name, reportID: reportID, recurrence: recurrence, parameters: parameters, destinationIDs: destinationIDs,
                      formats: formats, exportOptions: exportOptions, filenamePattern: filenamePattern, naming: naming, misfirePolicy: misfirePolicy,
                      overlapPolicy: overlapPolicy, jitterSeconds: jitterSeconds, priority: priority, paused: paused,
                      pauseNote: pauseNote, sharedWith: sharedWith, deliveryCondition: deliveryCondition,
                      emailSubject: emailSubject, emailBodyMd: emailBodyMd, templateID: templateID, retentionDays: retentionDays,
                      pauseAfterFailures: pauseAfterFailures, deadlineMinutes: deadlineMinutes, alerts: alerts)
    }

    /// The rule its runs' alerts follow: its own settings over its owner's over the standard rule
    /// (`HERALD_ALERT_EVERY` = `every`), as `OwnerAlertRepository` applies them.
    public func alertRule(every: Int) -> AlertRule {
        alerts.applied(to: ownerAlerts.applied(to: .standard(every: every)))
    }
}

/// Which schedules a list shows.
public enum ScheduleFilter: String, Sendable, CaseIterable {
    case all, active, paused
    /// The last finished run failed or was partial.
    case failing
}

/// One page of schedules.
public struct SchedulePage: Sendable {
    public let items: [ScheduleRecord]
    /// The sort-key parts to continue after, when there are more.
    public let next: [String]?
    /// How many of the schedules the actor sees fail (with the same search), when the list was asked to count them.
    public let failing: Int?
}

/// A user a schedule is shared with.
public struct ScheduleShare: Sendable, Equatable {
    public let userID: UUID
    public let email: String
    public let displayName: String
    public let role: String
}

/// One run in a schedule's history, with its deliveries and artifacts.
public struct ScheduleRun: Sendable, Equatable, Codable {
    public struct Delivery: Sendable, Equatable, Codable {
        public let id: UUID
        public let destinationID: UUID?
        public let destinationName: String?
        public let channel: String
        public let recipient: String
        public let status: String
        public let attempts: Int
        public let lastError: String?
        public let deliveredAt: Date?
    }
    public struct Artifact: Sendable, Equatable, Codable {
        public let id: UUID
        public let format: String
        public let fileName: String
        public let byteCount: Int64
    }

    public let id: UUID
    public let scheduledFor: Date
    public let trigger: String
    public let status: String
    public let attempts: Int
    public let startedAt: Date?
    public let finishedAt: Date?
    public let rowCount: Int64?
    /// The result reached the report's row limit.
    public let truncated: Bool
    public let error: String?
    /// The parameter values the run resolved at its logical time (relative dates as the dates they became).
    public let parameters: [String: ParameterInput]
    /// Why the run did not deliver (its delivery condition, or the overlap policy), when it was skipped.
    public let skipReason: String?
    /// A backfill re-ran its slot: this run stays as it ended, and the newer one is the slot's.
    public let superseded: Bool
    public let deliveries: [Delivery]
    public let artifacts: [Artifact]

    public var durationSeconds: Double? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }
}

/// What a draft would do, without storing anything: its next runs, what is wrong with it, and what to look at twice.
public struct SchedulePreviewResult: Sendable {
    public struct Run: Sendable, Equatable, Codable {
        public let at: Date
        public let utc: String
        public let scheduleLocal: String
        public let userLocal: String
        /// Set when a DST change moved this run or merged a repeated hour.
        public let dstNote: String?
    }
    public struct Conflict: Sendable, Equatable, Codable {
        public let scheduleID: UUID
        public let scheduleName: String
        public let run: Date
        public let otherRun: Date
        public let message: String
    }

    public let runs: [Run]
    public let errors: [ValidationError]
    public let warnings: [String]
    public let conflicts: [Conflict]
    public let description: String?
    public let cron: String?
}
