import Foundation
import HeraldCore

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

    /// Written by hand (`JSONText`): Foundation's encoder took a few percent of a worker's time at 1,000 runs a second.
    var json: String? {
        var bytes = Array(#"{"columns":["#.utf8)
        for (index, column) in columns.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            JSONText.appendString(column, to: &bytes)
        }
        bytes.append(contentsOf: Array(#"],"rows":["#.utf8))
        for (index, row) in rows.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            bytes.append(0x5B)
            for (position, value) in row.enumerated() {
                if position > 0 { bytes.append(0x2C) }
                JSONText.appendString(value, to: &bytes)
            }
            bytes.append(0x5D)
        }
        bytes.append(contentsOf: Array("]}".utf8))
        return String(decoding: bytes, as: UTF8.self)
    }
}
