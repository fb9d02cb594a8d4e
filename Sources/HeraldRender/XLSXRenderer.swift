import Foundation
import XlsxWriter

/// An Excel workbook of the result through libxlsxwriter in constant-memory mode (rows go to a temporary file in the
/// output's folder as they arrive; memory stays flat): a sheet named after the report with a bold, frozen header
/// row, an autofilter over header and data, typed cells (numbers, booleans, dates, date-times, text that is never a
/// formula, NULL blank), column widths from the data; and a sheet "About" with the report, its parameters, the
/// logical and generated-at times with their zone, the row count and whether the result was truncated.
///
/// Column widths come from every row, not a sample: libxlsxwriter writes the widths when the workbook closes, so
/// they are set in `finish` from the longest value seen per column (a running maximum, nothing buffered).
public final class XLSXRenderer: ReportRenderer {
    public let format = "xlsx"
    let path: String
    let context: ReportContext
    private let workbook: Workbook
    private let sheet: Worksheet
    private let about: Worksheet
    private let bold: CellFormat
    private let dateFormat: CellFormat
    private let dateTimeFormat: CellFormat
    private var columns: [ReportColumn] = []
    private var widths: [Int] = []
    private var nextRow = 1
    /// The UTC offsets that timestamptz values came with (PostgreSQL writes each in its session's zone), for the About sheet.
    private var offsets: [String] = []
    private var cutTexts = 0

    public init(path: String, context: ReportContext) throws {
        // Claims the name now, as every renderer does (never overwrite); libxlsxwriter rewrites it in `finish`.
        try OutputFile(path: path).close()
        self.path = path
        self.context = context
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        do {
            (workbook, sheet, about, bold, dateFormat, dateTimeFormat) = try Self.xlsx(path) {
                let workbook = try Workbook(path: path, temporaryDirectory: folder)
                return (workbook, try workbook.addWorksheet(named: Self.sheetName(context.reportName)),
                        try workbook.addWorksheet(named: "About"), try workbook.addFormat(bold: true),
                        try workbook.addFormat(numberFormat: "yyyy-mm-dd"), try workbook.addFormat(numberFormat: "yyyy-mm-dd hh:mm:ss"))
            }
        } catch {
            // No renderer reaches the caller, so nobody else would remove the claimed name.
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    public func begin(columns: [ReportColumn]) throws {
        guard columns.count <= Worksheet.maximumColumns else {
            throw RenderError("XLSX holds at most \(Worksheet.maximumColumns) columns; the result has \(columns.count)")
        }
        self.columns = columns
        // Room for the autofilter's drop-down button beside the name.
        widths = columns.map { $0.name.utf8.count + 3 }
        try Self.xlsx(path) {
            for (index, column) in columns.enumerated() {
                try sheet.write(string: cellText(column.name), row: 0, column: index, format: bold)
            }
            try sheet.freezePanes(row: 1, column: 0)
        }
    }

    public func append(_ row: [String?]) throws {
        guard nextRow < Worksheet.maximumRows else {
            throw RenderError("XLSX holds at most \(Worksheet.maximumRows - 1) rows under its header; lower the report's row limit")
        }
        let rowIndex = nextRow
        nextRow += 1
        try Self.xlsx(path) {
            for (index, value) in row.enumerated() {
                guard let value else { continue }
                let type = index < columns.count ? columns[index].type : .text
                let width = try write(value, type: type, row: rowIndex, column: index)
                if index < widths.count, width > widths[index] { widths[index] = width }
            }
        }
    }

    public func finish(truncated: Bool) throws {
        try Self.xlsx(path) {
            if !columns.isEmpty {
                try sheet.autofilter(firstRow: 0, firstColumn: 0, lastRow: nextRow - 1, lastColumn: columns.count - 1)
            }
            for (index, width) in widths.enumerated() { try sheet.setWidth(Double(min(width, Self.widestColumn)), column: index) }
            try writeAbout(truncated: truncated)
            try workbook.close()
        }
    }

    /// Wider than this and a column of long texts pushes the others off the screen.
    static let widestColumn = 60

    /// Writes one typed cell and returns how wide it shows, in characters (UTF-8 bytes for text: cheap, and a fair
    /// guess for the wide characters of CJK scripts).
    private func write(_ value: String, type: ColumnType, row: Int, column: Int) throws(XlsxWriterError) -> Int {
        switch type {
        case .integer, .number:
            if let number = Self.number(value) {
                try sheet.write(number: number, row: row, column: column)
                return value.utf8.count
            }
        case .boolean:
            if value == "t" || value == "f" {
                try sheet.write(boolean: value == "t", row: row, column: column)
                return 5
            }
        case .date:
            if let date = Self.date(value) {
                try sheet.write(dateTime: date, row: row, column: column, format: dateFormat)
                return 10
            }
        case .timestamp, .timestamptz:
            if let (dateTime, offset) = Self.timestamp(value) {
                try sheet.write(dateTime: dateTime, row: row, column: column, format: dateTimeFormat)
                if let offset, type == .timestamptz { note(offset: offset) }
                return 19
            }
        case .text:
            break
        }
        // Text, and any value Excel cannot hold as its type (NaN, infinity, a year before 1900, an integer too long).
        // An empty text becomes a blank cell, as NULL does: libxlsxwriter writes no empty string.
        let text = cellText(value)
        try sheet.write(string: text, row: row, column: column)
        return text.utf8.count
    }

    private func note(offset: String) {
        if offsets.count < Self.offsetsListed && !offsets.contains(offset) { offsets.append(offset) }
    }

    static let offsetsListed = 4

    /// The text of a cell as Excel will show it (`excelText`), counting the texts that had to be cut.
    private func cellText(_ value: String) -> String {
        let (text, cut) = Self.excelText(value)
        if cut { cutTexts += 1 }
        return text
    }

    private func writeAbout(truncated: Bool) throws(XlsxWriterError) {
        var lines: [(String, String)] = [
            ("Report", context.reportName),
            ("Description", DescriptionText.plainText(fromMarkdown: context.descriptionMarkdown)),
            ("Logical time", "\(context.logicalTime) (\(context.timeZone))"),
            ("Generated at", "\(context.generatedAt) (\(context.timeZone))"),
        ]
        let zoned = columns.filter { $0.type == .timestamptz }.map(\.name)
        if !zoned.isEmpty {
            let seen = offsets.isEmpty ? "no values" : offsets.map { "UTC\($0)" }.joined(separator: ", ")
                + (offsets.count == Self.offsetsListed ? " and perhaps others" : "")
            lines.append(("Time zone", "\(zoned.joined(separator: ", ")): the wall time at the offset PostgreSQL gave (\(seen)); Excel cells hold no zone"))
        }
        if cutTexts > 0 { lines.append(("Cut texts", "\(cutTexts) values were longer than Excel's \(Self.textLimit) characters and are cut")) }
        var row = 0
        for (label, value) in lines {
            try about.write(string: label, row: row, column: 0, format: bold)
            if !value.isEmpty { try about.write(string: cellText(value), row: row, column: 1) }
            row += 1
        }
        try about.write(string: "Rows", row: row, column: 0, format: bold)
        try about.write(number: Double(nextRow - 1), row: row, column: 1)
        row += 1
        try about.write(string: "Truncated", row: row, column: 0, format: bold)
        try about.write(string: truncated ? "yes — the result reached the report's row limit" : "no", row: row, column: 1)
        row += 2
        try about.write(string: "Parameter", row: row, column: 0, format: bold)
        try about.write(string: "Value", row: row, column: 1, format: bold)
        for parameter in context.parameters {
            row += 1
            try about.write(string: cellText(parameter.name), row: row, column: 0)
            if !parameter.value.isEmpty { try about.write(string: cellText(parameter.value), row: row, column: 1) }
        }
        try about.setWidth(16, column: 0)
        try about.setWidth(80, column: 1)
    }

    /// Runs libxlsxwriter calls, naming the file in the error.
    private static func xlsx<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as XlsxWriterError { throw RenderError("cannot write \(path): \(error)") }
    }
}
