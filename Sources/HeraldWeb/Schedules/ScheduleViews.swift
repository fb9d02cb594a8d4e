import Foundation
import HeraldCore
import HeraldStore

/// A status as a tag: the word always, the colour only as a second cue.
struct StatusTag: Sendable, Encodable {
    let word: String
    let tone: String

    init(_ status: String) {
        word = status.contains("_") ? String(status.map { $0 == "_" ? " " : $0 }) : status
        switch status {
        case "succeeded", "active": tone = "pass"
        case "failed", "dead", "broken": tone = "fail"
        case "partial", "skipped", "paused", "cancelled": tone = "warn"
        default: tone = "info"
        }
    }
}

/// A row of `/schedules`.
struct ScheduleRowView: Sendable, Encodable {
    struct LastRun: Sendable, Encodable { let time: TimeView?; let tag: StatusTag; let href: String }
    let id: String
    let href: String
    let name: String
    let reportName: String
    let description: String
    let state: StatusTag
    let lastRun: LastRun?
    let nextRun: TimeView?
    let paused: Bool
    let pauseNote: String?
    let mayChange: Bool

    init(_ s: ScheduleRecord, viewerZone: String, mayChange: Bool) {
        id = s.id.uuidString.lowercased()
        href = "/schedules/\(id)"
        name = s.name.isEmpty ? "(unnamed)" : s.name
        reportName = s.reportName
        description = s.description
        state = StatusTag(s.brokenReason != nil ? "broken" : s.paused ? "paused" : "active")
        lastRun = s.lastRun.map { LastRun(time: $0.finishedAt.map { TimeView($0, zone: viewerZone) }, tag: StatusTag($0.status),
                                          href: "/executions/\($0.id.uuidString.lowercased())") }
        nextRun = s.nextRunAt.map { TimeView($0, zone: viewerZone) }
        paused = s.paused
        pauseNote = s.paused && !s.pauseNote.isEmpty ? s.pauseNote : nil
        self.mayChange = mayChange
    }
}

/// `pages/schedules/list`.
struct ScheduleListView: Sendable, Encodable {
    /// `count`: only the failing tab has one (see `ScheduleService.failingCount`).
    struct Tab: Sendable, Encodable { let label: String; let href: String; let count: Int?; let current: Bool }
    let chrome: PageChrome
    let tabs: [Tab]
    let search: String
    let filter: String
    /// `Templates.slot`: the rows' HTML goes there (`Templates.renderFrame`, the first slot; the request id in the
    /// footer is the second), each row rendered from its `ScheduleRowView` by `pages/schedules/row`
    /// (`Templates.renderFragment`).
    let rows: String
    let nextHref: String?
    let canCreate: Bool
    let noneYet: Bool
    let noMatches: Bool
}

/// `pages/schedules/delete` and `pages/schedules/edit`: a page that asks before a POST.
struct ScheduleConfirmView: Sendable, Encodable {
    let chrome: PageChrome
    let id: String
    let name: String
    let description: String
}

/// A success-rate sparkline drawn by the template as plain `<rect>`s (no markup from Swift), with a sentence for
/// screen readers and for everyone.
struct SparklineView: Sendable, Encodable {
    struct Bar: Sendable, Encodable { let x: Int; let y: Int; let height: Int; let tone: String; let label: String }
    let bars: [Bar]
    let width: Int
    let summary: String

    init(_ statuses: [String]) {
        bars = statuses.enumerated().map { index, status in
            let tag = StatusTag(status)
            let height = status == "succeeded" ? 20 : status == "partial" || status == "skipped" ? 12 : 6
            return Bar(x: index * 6, y: 20 - height, height: height, tone: tag.tone, label: "Run \(index + 1): \(tag.word)")
        }
        width = max(statuses.count * 6, 6)
        let succeeded = statuses.filter { $0 == "succeeded" }.count
        summary = statuses.isEmpty ? "No finished runs yet." : "\(succeeded) of the last \(statuses.count) runs succeeded."
    }
}

/// One run in the schedule page's history.
struct ScheduleRunView: Sendable, Encodable {
    struct Delivery: Sendable, Encodable { let target: String; let tag: StatusTag; let attempts: Int; let error: String? }
    struct Artifact: Sendable, Encodable { let href: String; let fileName: String; let size: String }
    let id: String
    let href: String
    let slot: TimeView
    let trigger: String
    let started: TimeView?
    let finished: TimeView?
    let duration: String
    let rows: String
    let tag: StatusTag
    let attempts: Int
    let error: String?
    /// Why the run did not deliver (its delivery condition did not hold, or the overlap policy).
    let skipReason: String?
    let deliveries: [Delivery]
    let artifacts: [Artifact]
    let resendable: Bool
    /// The values it resolved: `from = 2026-02-01 · region = EU`; nil for a report without parameters.
    let parameters: String?
    let superseded: Bool

    init(_ r: ScheduleRun, zone: String, mayChange: Bool) {
        id = r.id.uuidString.lowercased()
        href = "/executions/\(id)"
        slot = TimeView(r.scheduledFor, zone: zone)
        trigger = r.trigger.replacingOccurrences(of: "_", with: " ")
        started = r.startedAt.map { TimeView($0, zone: zone) }
        finished = r.finishedAt.map { TimeView($0, zone: zone) }
        duration = r.durationSeconds.map { String(format: "%.1f s", $0) } ?? "–"
        rows = r.rowCount.map { ExecutionWords.rows($0, truncated: r.truncated) } ?? "–"
        tag = StatusTag(r.status)
        attempts = r.attempts
        error = r.error
        parameters = r.parameters.isEmpty ? nil : ParameterInput.summary(r.parameters)
        skipReason = r.skipReason
        superseded = r.superseded
        deliveries = r.deliveries.map {
            Delivery(target: $0.destinationName ?? ($0.recipient.isEmpty ? $0.channel : $0.recipient), tag: StatusTag($0.status),
                     attempts: $0.attempts, error: $0.lastError)
        }
        artifacts = r.artifacts.map {
            Artifact(href: "/artifacts/\($0.id.uuidString.lowercased())/download", fileName: $0.fileName, size: "\($0.byteCount) bytes")
        }
        resendable = mayChange && ["failed", "partial"].contains(r.status) && r.deliveries.contains { ["failed", "dead"].contains($0.status) }
    }
}

/// One upcoming run, in three zones.
struct UpcomingRunView: Sendable, Encodable {
    let iso: String
    let scheduleLocal: String
    let userLocal: String
    let utc: String
    let note: String?
}

/// `pages/schedules/show`.
struct ScheduleShowView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let key: String; let value: String }
    struct Share: Sendable, Encodable { let userID: String; let label: String }
    struct Choice: Sendable, Encodable { let id: String; let name: String }
    let chrome: PageChrome
    let id: String
    /// The same as `id`, under a name no nested row has, for forms inside the history rows.
    let scheduleID: String
    let name: String
    let state: StatusTag
    let paused: Bool
    let pauseNote: String?
    let brokenReason: String?
    let summary: [Row]
    let upcoming: [UpcomingRunView]
    let sparkline: SparklineView
    let runs: [ScheduleRunView]
    let hasRuns: Bool
    let nextHistoryHref: String?
    let mayChange: Bool
    let shares: [Share]
    let destinations: [Choice]
    let latestFailedRun: String?
    let errors: FormErrors
    /// What the backfill form was sent with, shown again beside its errors.
    let backfill: BackfillFormView
}

/// The schedule page's backfill form: two days and whether slots that ran are run again.
struct BackfillFormView: Sendable, Encodable {
    var from = ""
    var to = ""
    var rerun = false
}
