import Foundation
import HeraldStore

/// A weekly summary's subject and Markdown body. Schedule names and errors are placeholders (`{failing_1_name}`),
/// values the email channel escapes as it does an owner alert's, so a schedule named `*x* <b>` reads as written.
struct WeeklySummaryMessage {
    let subject: String
    let markdown: String
    let placeholders: [String: String]

    init(_ summary: WeeklySummaryRepository.Summary, weekStart: String, baseURL: String) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        func link(_ id: UUID) -> String { base + "/schedules/" + id.uuidString.lowercased() }
        var values: [String: String] = [:]
        subject = "Herald: your week of reports to \(weekStart)"
        var lines = ["Your schedules' runs in the last 7 days:", ""]
        for (status, count) in summary.runsByStatus { lines.append("- \(status): \(count)") }
        lines.append("")
        if summary.failing.isEmpty {
            lines.append("No schedule failed.")
        } else {
            lines.append("Failing schedules:")
            lines.append("")
            for (index, failing) in summary.failing.enumerated() {
                let key = "failing_\(index + 1)"
                values[key + "_name"] = failing.name
                values[key + "_error"] = failing.lastError.isEmpty ? "(none recorded)" : failing.lastError
                let runs = failing.failures == 1 ? "1 run failed or was" : "\(failing.failures) runs failed or were"
                lines.append("- [{\(key)_name}](\(link(failing.id))): \(runs) partly delivered; last error: {\(key)_error}")
            }
        }
        lines.append("")
        if summary.upcoming.isEmpty {
            lines.append("Nothing is due in the next 7 days.")
        } else {
            lines.append("Due in the next 7 days:")
            lines.append("")
            for (index, upcoming) in summary.upcoming.enumerated() {
                let key = "upcoming_\(index + 1)_name"
                values[key] = upcoming.name
                let runs = "\(upcoming.atLeast ? "at least " : "")\(upcoming.runs) run\(upcoming.runs == 1 ? "" : "s")"
                lines.append("- [{\(key)}](\(link(upcoming.id))): \(runs)")
            }
        }
        lines.append("")
        lines.append("You can turn this email off on [your account page](\(base)/account).")
        markdown = lines.joined(separator: "\n")
        placeholders = values
    }
}
