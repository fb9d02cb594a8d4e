import Foundation

/// A result's column names and first rows, as `executions.preview` keeps them for the run's emails.
struct RunPreview: Codable {
    let columns: [String]
    let rows: [[String]]

    init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The kept preview, or none when it is missing or unreadable (a run from before previews were kept).
    init(json: String?) {
        let decoded = json.flatMap { try? JSONDecoder().decode(RunPreview.self, from: Data($0.utf8)) }
        self.init(columns: decoded?.columns ?? [], rows: decoded?.rows ?? [])
    }

    var json: String? { (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } }
}
