import Foundation

/// The JSON a webhook receives about a run (the `summary` payload, and the `summary` part of a `files` payload).
/// Every key is always present (`null` when unknown), so receivers can rely on the shape.
struct WebhookSummary: Encodable {
    struct Schedule: Encodable { let id: String?; let name: String }
    struct Report: Encodable { let name: String }
    struct File: Encodable { let format: String; let name: String; let url: String? }

    let event = "execution.succeeded"
    let executionID: String
    let schedule: Schedule
    let report: Report
    let scheduledFor: String
    let localTime: String
    let rowCount: Int?
    let truncated: Bool
    let files: [File]

    init(files rendered: [RenderedFile], context: DeliveryContext) {
        executionID = context.executionID.uuidString.lowercased()
        schedule = Schedule(id: context.scheduleID?.uuidString.lowercased(), name: context.scheduleName)
        report = Report(name: context.reportName)
        scheduledFor = context.scheduledFor
        localTime = context.localDateTime
        rowCount = context.rowCount
        truncated = context.truncated
        files = rendered.map { file in
            File(format: file.format, name: context.fileNames[file.format] ?? (file.path as NSString).lastPathComponent,
                 url: context.links[file.format])
        }
    }

    enum CodingKeys: String, CodingKey {
        case event, schedule, report, truncated, files
        case executionID = "execution_id", scheduledFor = "scheduled_for", localTime = "local_time", rowCount = "row_count"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(executionID, forKey: .executionID)
        try container.encode(schedule, forKey: .schedule)
        try container.encode(report, forKey: .report)
        try container.encode(scheduledFor, forKey: .scheduledFor)
        try container.encode(localTime, forKey: .localTime)
        try container.encode(rowCount, forKey: .rowCount)
        try container.encode(truncated, forKey: .truncated)
        try container.encode(files, forKey: .files)
    }

    func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// One line for people: `Sales (schedule Daily) for 2026-11-23 07:00:00: 1234 rows (truncated)`.
    var headline: String {
        var text = report.name
        if !schedule.name.isEmpty, schedule.name != report.name { text += " (schedule \(schedule.name))" }
        text += " for \(localTime)"
        if let rowCount { text += ": \(rowCount) row\(rowCount == 1 ? "" : "s")" }
        if truncated { text += " (truncated)" }
        return text
    }
}
