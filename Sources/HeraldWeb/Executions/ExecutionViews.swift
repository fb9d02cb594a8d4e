import Foundation
import HeraldCore
import HeraldStore

/// Words and badges every execution view shares.
enum ExecutionWords {
    /// A run's row count, saying so when the report's row limit cut the result (never silently).
    static func rows(_ count: Int64, truncated: Bool) -> String {
        truncated ? "\(count) (truncated: the result reached the report's row limit)" : String(count)
    }

    static func duration(from start: Date?, to end: Date?) -> String {
        guard let start, let end else { return "" }
        return seconds(end.timeIntervalSince(start))
    }

    static func seconds(_ value: Double) -> String {
        if value < 10 { return String(format: "%.2f s", value) }
        if value < 120 { return String(format: "%.1f s", value) }
        let whole = Int(value.rounded())
        return whole < 7200 ? "\(whole / 60) min \(whole % 60) s" : "\(whole / 3600) h \(whole % 3600 / 60) min"
    }

    static func trigger(_ raw: String) -> String {
        switch raw {
        case "schedule": "Scheduled"
        case "catch_up": "Catch-up"
        case "manual": "Run now"
        case "test": "Test run"
        case "backfill": "Backfill"
        default: raw
        }
    }

    static func bytes(_ count: Int64) -> String {
        count < 1024 ? "\(count) B" : count < 1_048_576 ? String(format: "%.1f KB", Double(count) / 1024)
            : String(format: "%.1f MB", Double(count) / 1_048_576)
    }
}

/// One row of a list of runs.
struct ExecutionRowView: Sendable, Encodable {
    let id: String
    let href: String
    let scheduleName: String
    let scheduleHref: String?
    let reportName: String
    let slot: TimeView
    let trigger: String
    let status: String
    let attempts: Int
    let started: TimeView?
    let duration: String
    let rows: String
    let error: String?

    init(_ record: ExecutionRecord, zone: String) {
        id = record.id.uuidString.lowercased()
        href = "/executions/\(id)"
        scheduleName = record.scheduleName.isEmpty ? "(no schedule)" : record.scheduleName
        scheduleHref = record.scheduleID.map { "/schedules/\($0.uuidString.lowercased())" }
        reportName = record.reportName
        slot = TimeView(record.scheduledFor, zone: zone)
        trigger = ExecutionWords.trigger(record.trigger)
        status = record.status
        attempts = record.attempts
        started = record.startedAt.map { TimeView($0, zone: zone) }
        duration = ExecutionWords.duration(from: record.startedAt, to: record.finishedAt)
        rows = record.rowCount.map { ExecutionWords.rows($0, truncated: record.truncated) } ?? ""
        error = record.error
    }
}

/// `pages/executions/list`: the runs the user may see, with the filter form and the next page's link.
struct ExecutionListPageView: Sendable, Encodable {
    struct Option: Sendable, Encodable { let value: String; let label: String; let selected: Bool }
    let chrome: PageChrome
    let errors: FormErrors
    /// The to field's message, or a bad cursor's or limit's (they have no field of their own).
    let toError: String?
    let statuses: [Option]
    let schedules: [Option]
    let from: String
    let to: String
    let filtered: Bool
    let rows: [ExecutionRowView]
    let hasRows: Bool
    let nextHref: String?
}

/// `pages/executions/show`: one run.
struct ExecutionPageView: Sendable, Encodable {
    struct StepView: Sendable, Encodable { let name: String; let duration: String; let share: Int }
    struct DeliveryView: Sendable, Encodable {
        let target: String
        let channel: String
        let recipient: String
        let status: String
        let attempts: Int
        let lastError: String?
        let detail: String?
        let nextAttempt: TimeView?
        let delivered: TimeView?
    }
    struct ArtifactView: Sendable, Encodable {
        let fileName: String
        let format: String
        let size: String
        let sha256: String
        let downloadHref: String
        let expires: TimeView?
    }

    let chrome: PageChrome
    let id: String
    let title: String
    let active: Bool
    let status: String
    let step: String?
    let scheduleName: String
    let scheduleHref: String?
    let reportName: String
    let trigger: String
    /// Who asked for the run; nil for the scheduler or the command line (the page then says no name).
    let requestedBy: String?
    let slot: TimeView
    let enqueued: TimeView?
    let started: TimeView?
    let finished: TimeView?
    let duration: String
    let lateness: String
    let attempts: Int
    let rows: String
    /// The values the run resolved at its logical time, and the report version it ran.
    let parameters: String?
    let reportVersion: Int?
    let missedCount: Int
    let skipReason: String?
    let deadLettered: TimeView?
    let error: String?
    let steps: [StepView]
    let hasSteps: Bool
    let deliveries: [DeliveryView]
    let hasDeliveries: Bool
    let artifacts: [ArtifactView]
    let canResend: Bool
    let canRequeue: Bool
    /// Pinned runs are kept by retention; the schedule's owner or an admin may pin and unpin.
    let pinned: Bool
    let canPin: Bool

    init(chrome: PageChrome, detail: ExecutionDetail, zone: String, mayChange: Bool, isAdmin: Bool) {
        let record = detail.execution
        self.chrome = chrome
        id = record.id.uuidString.lowercased()
        title = chrome.title
        active = record.isActive
        status = record.status
        step = detail.step
        scheduleName = record.scheduleName.isEmpty ? "(no schedule)" : record.scheduleName
        scheduleHref = record.scheduleID.map { "/schedules/\($0.uuidString.lowercased())" }
        reportName = record.reportName
        trigger = ExecutionWords.trigger(record.trigger)
        requestedBy = detail.requestedBy.isEmpty ? nil : detail.requestedBy
        slot = TimeView(record.scheduledFor, zone: zone)
        enqueued = detail.enqueuedAt.map { TimeView($0, zone: zone) }
        started = record.startedAt.map { TimeView($0, zone: zone) }
        finished = record.finishedAt.map { TimeView($0, zone: zone) }
        duration = ExecutionWords.duration(from: record.startedAt, to: record.finishedAt)
        lateness = detail.latenessMs.map { ExecutionWords.seconds(max($0, 0) / 1000) } ?? ""
        attempts = record.attempts
        rows = record.rowCount.map { ExecutionWords.rows($0, truncated: record.truncated) } ?? ""
        parameters = record.parameters.isEmpty ? nil : ParameterInput.summary(record.parameters)
        reportVersion = record.reportVersion
        missedCount = detail.missedCount
        skipReason = detail.skipReason
        deadLettered = detail.deadLetteredAt.map { TimeView($0, zone: zone) }
        error = record.error
        let total = max(detail.steps.reduce(0) { $0 + $1.seconds }, 0.000_001)
        steps = detail.steps.map { StepView(name: $0.name, duration: ExecutionWords.seconds($0.seconds), share: Int(($0.seconds / total * 100).rounded())) }
        deliveries = detail.deliveries.map {
            DeliveryView(target: $0.destinationName.isEmpty ? "(destination removed)" : $0.destinationName, channel: $0.channel,
                         recipient: $0.recipient, status: $0.status, attempts: $0.attempts, lastError: $0.lastError, detail: $0.detail,
                         nextAttempt: $0.nextAttemptAt.map { TimeView($0, zone: zone) }, delivered: $0.deliveredAt.map { TimeView($0, zone: zone) })
        }
        hasSteps = !steps.isEmpty
        hasDeliveries = !deliveries.isEmpty
        artifacts = detail.artifacts.map {
            ArtifactView(fileName: $0.fileName, format: $0.format, size: ExecutionWords.bytes($0.byteCount), sha256: $0.sha256,
                         downloadHref: "/artifacts/\($0.id.uuidString.lowercased())/download", expires: $0.expiresAt.map { TimeView($0, zone: zone) })
        }
        let finishedBadly = record.status == "partial" || record.status == "failed"
        canResend = mayChange && finishedBadly && detail.deliveries.contains { ($0.status == "failed" || $0.status == "dead") && $0.destinationID != nil }
        canRequeue = isAdmin && detail.deadLetteredAt != nil && finishedBadly
        pinned = record.pinned
        canPin = mayChange
    }
}
