import Foundation
import Markdown

/// The two alternatives of a report email from one Markdown source: the text part is the Markdown with the run's
/// values as they are; the HTML part is cmark's safe rendering (raw HTML dropped) of the Markdown with each value
/// escaped first. Both end with what happened to the files (attached, zipped, or links) and, when asked, the first
/// 20 rows as a table.
struct EmailBody {
    static let defaultMarkdown = "Here is **{report_name}** for {date} {time}."
    static let rowLimit = 20

    var text: String
    var html: String

    init(markdown: String?, context: DeliveryContext, files: EmailFiles, includeRows: Bool) {
        let template = EmailTemplate(context)
        let source = markdown.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } ?? Self.defaultMarkdown
        var text = template.fill(source, escape: { $0 })
        var html = Markdown.html(from: template.fill(source, escape: EmailTemplate.markdownHTMLEscaped))
        let note = Self.filesNote(files)
        if !note.text.isEmpty {
            text += "\n\n" + note.text
            html += note.html
        }
        if includeRows, !context.columns.isEmpty {
            let rows = Array(context.firstRows.prefix(Self.rowLimit))
            text += "\n\n" + Self.textTable(columns: context.columns, rows: rows)
            html += Self.htmlTable(columns: context.columns, rows: rows)
        }
        self.text = text + "\n"
        self.html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" + html + "</body></html>\n"
    }

    /// A plain message (the admin's test email): one paragraph in both parts.
    init(plain: String) {
        text = plain + "\n"
        html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p>" + HTMLText.escaped(plain) + "</p>\n</body></html>\n"
    }

    static func filesNote(_ files: EmailFiles) -> (text: String, html: String) {
        switch files {
        case .none:
            return ("", "")
        case .attached(let list, let inline):
            let names = list.map { "\($0.name) (\(EmailFiles.size($0.size)))" }
            let lead = inline ? "Included" : "Attached"
            return ("\(lead): " + names.joined(separator: ", ") + ".",
                    "<p>\(lead): " + names.map(HTMLText.escaped).joined(separator: ", ") + ".</p>\n")
        case .zipped(let zip, let originals, let total):
            let sentence = "The files (\(EmailFiles.size(total))) were too large to attach one by one, so they are attached as one zip, "
                + "\(zip.name) (\(EmailFiles.size(zip.size))), holding " + originals.map(\.name).joined(separator: ", ") + "."
            return (sentence, "<p>" + HTMLText.escaped(sentence) + "</p>\n")
        case .links(let links, let oversize):
            var lead = oversize.map { "The files (\(EmailFiles.size($0))) were too large to attach; download them here" } ?? "Download the files here"
            if let until = expiry(of: links) { lead += ", until \(until)" }
            lead += ":"
            let text = ([lead] + links.map { "- \($0.name) (\($0.format.uppercased())): \($0.url)" }).joined(separator: "\n")
            let items = links.map {
                "<li><a href=\"\(HTMLText.escaped($0.url))\">\(HTMLText.escaped($0.name))</a> (\(HTMLText.escaped($0.format.uppercased())))</li>"
            }
            return (text, "<p>" + HTMLText.escaped(lead) + "</p>\n<ul>\n" + items.joined(separator: "\n") + "\n</ul>\n")
        }
    }

    /// When the links stop working: the earliest `expires=<unix seconds>` among them, in UTC.
    static func expiry(of links: [EmailFiles.Link]) -> String? {
        let times = links.compactMap { link -> Int? in
            guard let query = link.url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
            let pair = query.split(separator: "&").first { $0.hasPrefix("expires=") }
            return pair.flatMap { Int($0.dropFirst("expires=".count)) }
        }
        guard let earliest = times.min() else { return nil }
        let date = EmailHeaders.rfc5322(Date(timeIntervalSince1970: TimeInterval(earliest)))
        return String(date.dropFirst(5).dropLast(9)) + " UTC"
    }

    /// Columns padded to the widest cell (at most 40 characters), a rule under the names.
    static func textTable(columns: [String], rows: [[String]]) -> String {
        func clip(_ cell: String) -> String {
            let flat = cell.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            return flat.count > 40 ? String(flat.prefix(39)) + "…" : flat
        }
        let cells = ([columns] + rows).map { row in (0..<columns.count).map { $0 < row.count ? clip(row[$0]) : "" } }
        let widths = (0..<columns.count).map { column in cells.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            var text = zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
            while text.last?.isWhitespace == true { text.removeLast() }
            return text
        }
        var lines = [line(cells[0]), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += cells.dropFirst().map(line)
        return lines.joined(separator: "\n")
    }

    static func htmlTable(columns: [String], rows: [[String]]) -> String {
        var out = "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" style=\"border-collapse:collapse\">\n<thead><tr>"
        out += columns.map { "<th>" + HTMLText.escaped($0) + "</th>" }.joined()
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>" + (0..<columns.count).map { "<td>" + HTMLText.escaped($0 < row.count ? row[$0] : "") + "</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}
