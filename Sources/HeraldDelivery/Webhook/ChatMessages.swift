import Foundation

/// The bodies of the Slack and Microsoft Teams presets: the run's headline and a link per file.
enum ChatMessages {
    /// Slack's incoming-webhook message: `text` (the notification's fallback) and Block Kit sections.
    static func slack(_ summary: WebhookSummary) throws -> [UInt8] {
        var blocks: [[String: Any]] = [
            ["type": "section", "text": ["type": "mrkdwn", "text": "*Report ready:* " + slackEscape(summary.headline)]]
        ]
        let links = summary.files.map { file in
            file.url.map { "<\(slackEscape($0))|\(slackEscape(file.name))>" } ?? slackEscape(file.name)
        }
        if !links.isEmpty {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": links.joined(separator: "\n")]])
        }
        return try encode(["text": "Report ready: " + slackEscape(summary.headline), "blocks": blocks])
    }

    /// A Teams message holding one Adaptive Card (what both Workflows webhooks and the older connectors accept).
    static func teams(_ summary: WebhookSummary) throws -> [UInt8] {
        var facts: [[String: String]] = [["title": "Report", "value": summary.report.name], ["title": "For", "value": summary.localTime]]
        if !summary.schedule.name.isEmpty { facts.append(["title": "Schedule", "value": summary.schedule.name]) }
        if let rows = summary.rowCount { facts.append(["title": "Rows", "value": "\(rows)" + (summary.truncated ? " (truncated)" : "")]) }
        let card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                ["type": "TextBlock", "text": "Report ready: " + summary.headline, "weight": "Bolder", "size": "Medium", "wrap": true],
                ["type": "FactSet", "facts": facts],
            ] as [[String: Any]],
            "actions": summary.files.compactMap { file in
                file.url.map { ["type": "Action.OpenUrl", "title": file.name, "url": $0] }
            },
        ]
        return try encode([
            "type": "message",
            "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(), "content": card] as [String: Any]],
        ])
    }

    /// Slack's three control characters in mrkdwn (`&`, `<`, `>`), so a report name cannot make a link or a mention.
    static func slackEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private static func encode(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
