import Foundation
import Testing
@testable import HeraldRender

/// The XLSX export read back by openpyxl (an independent reader from PyPI, in the virtual environment whose python
/// deploy/test.sh passes as HERALD_TEST_PYTHON): sheets, typed values, the frozen bold header, the autofilter, the
/// widths and the About sheet.
struct XLSXRendererTests {
    static let context = ReportContext(reportName: "Sales: EU/DE [weekly] * the very long name", descriptionMarkdown: "Sales **per region**, <script>alert(1)</script>see [the wiki](http://x).\n\n1. EU\n2. `US`",
                                       parameters: [.init(name: "region", value: "EU"), .init(name: "from", value: "2026-11-16")],
                                       logicalTime: "2026-11-23 07:00:00", generatedAt: "2026-11-23 07:00:04", timeZone: "Europe/Berlin")
    static let columns = [ReportColumn(name: "id", type: .integer), ReportColumn(name: "amount", type: .number),
                          ReportColumn(name: "paid", type: .boolean), ReportColumn(name: "day", type: .date),
                          ReportColumn(name: "at", type: .timestamp), ReportColumn(name: "at_zoned", type: .timestamptz),
                          ReportColumn(name: "note", type: .text)]
    static let rows: [[String?]] = [
        ["1", "1234.50", "t", "2026-11-23", "2026-11-23 07:00:00", "2026-11-23 07:00:00+01", "=HYPERLINK(\"http://x\")"],
        ["-42", "-0.5e3", "f", "1899-12-31", "2026-11-23 23:59:59.5", "2026-06-01 12:30:00+05:30", "<script>alert(1)</script>"],
        ["9223372036854775807", "NaN", nil, "infinity", "2026-11-23 07:00:00 BC", nil, "Zürich — 東京"],
        [nil, "Infinity", nil, nil, nil, nil, "bell\u{7} tab\t cr\r _x0041_ \u{FFFE}\u{FFFF} end"],
        ["0", "0.30000000000000004", "t", "9999-12-31", "1900-01-01 00:00:00", "2026-11-23 07:00:00+01", "+1"],
    ]

    /// Renders `rows` into a new file and returns what openpyxl read from it.
    static func readBack(columns: [ReportColumn] = columns, rows: [[String?]] = rows, truncated: Bool = false,
                         context: ReportContext = context) throws -> [String: Any] {
        let folder = try StreamedExportTests.folder()
        let path = folder + "/report.xlsx"
        let renderer = try XLSXRenderer(path: path, context: context)
        try renderer.begin(columns: columns)
        for row in rows { try renderer.append(row) }
        try renderer.finish(truncated: truncated)
        // libxlsxwriter's row files in the folder are gone and closed: only the workbook is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.xlsx"])
        #expect(try openFiles(under: folder) == 0)
        return try check(path)
    }

    /// What check_xlsx.py read; `streamed`: only the row count and the last row, in openpyxl's read-only mode.
    static func check(_ path: String, streamed: Bool = false) throws -> [String: Any] {
        let python = try #require(ProcessInfo.processInfo.environment["HERALD_TEST_PYTHON"], "HERALD_TEST_PYTHON is not set (deploy/test.sh sets it)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Checkers/check_xlsx.py").path
        let data = try run(python, [script, path] + (streamed ? ["--stream"] : []))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// One cell as openpyxl read it: its value, its Python type and its number format.
    struct Cell: Equatable, CustomStringConvertible {
        let value: String
        let type: String
        let format: String
        init(_ value: String, _ type: String, _ format: String = "General") { self.value = value; self.type = type; self.format = format }
        init(_ json: Any) {
            let object = json as? [String: Any] ?? [:]
            let raw = object["value"]
            value = raw is NSNull ? "" : (raw.map { "\($0)" } ?? "")
            type = object["type"] as? String ?? ""
            format = object["format"] as? String ?? ""
        }
        var description: String { "\(value) (\(type), \(format))" }
    }

    static func cells(_ json: Any?) -> [[Cell]] { (json as? [[Any]] ?? []).map { $0.map(Cell.init) } }

    @Test func sheetsHeaderFreezeAndAutofilter() throws {
        let book = try Self.readBack()
        #expect(book["sheets"] as? [String] == ["Sales_ EU_DE _weekly_ _ the ver", "About"])
        #expect(book["freeze_panes"] as? String == "A2")
        #expect(book["auto_filter"] as? String == "A1:G6")
        let header = book["header"] as? [[String: Any]] ?? []
        #expect(header.map { $0["value"] as? String ?? "" } == Self.columns.map(\.name))
        #expect(header.allSatisfy { $0["bold"] as? Bool == true })
    }

    @Test func cellsAreTypedAndValuesExcelCannotHoldStayText() throws {
        let rows = Self.cells(try Self.readBack()["rows"])
        try #require(rows.count == 5)
        let dateTime = "yyyy-mm-dd hh:mm:ss"
        #expect(rows[0] == [Cell("1", "int"), Cell("1234.5", "float"), Cell("1", "bool"), Cell("2026-11-23T00:00:00", "datetime", "yyyy-mm-dd"),
                            Cell("2026-11-23T07:00:00", "datetime", dateTime), Cell("2026-11-23T07:00:00", "datetime", dateTime),
                            Cell("=HYPERLINK(\"http://x\")", "str")])
        #expect(rows[1] == [Cell("-42", "int"), Cell("-500", "int"), Cell("0", "bool"), Cell("1899-12-31", "str"),
                            Cell("2026-11-23T23:59:59.500000", "datetime", dateTime), Cell("2026-06-01T12:30:00", "datetime", dateTime),
                            Cell("<script>alert(1)</script>", "str")])
        // A 19-digit id would lose digits as a double; NaN has no Excel value; BC and infinite dates have no serial.
        #expect(rows[2] == [Cell("9223372036854775807", "str"), Cell("NaN", "str"), Cell("", "NoneType"), Cell("infinity", "str"),
                            Cell("2026-11-23 07:00:00 BC", "str"), Cell("", "NoneType"), Cell("Zürich — 東京", "str")])
        #expect(rows[3].map(\.type) == ["NoneType", "str", "NoneType", "NoneType", "NoneType", "NoneType", "str"])
        // XLSX spells characters XML cannot hold as `_xHHHH_`, and a literal `_x0041_` as `_x005F_x0041_`, which
        // Excel decodes and openpyxl shows as written; XML's two forbidden characters became U+FFFD, so the file opens.
        #expect(rows[3][6].value == "bell_x0007_ tab\t cr_x000D_ _x005F_x0041_ \u{FFFD}\u{FFFD} end")
        // libxlsxwriter writes 16 significant digits (%.16G), so a float8's 17th drops; Excel shows 15 anyway.
        #expect(rows[4][1] == Cell("0.3", "float"))
        #expect(rows[4][3] == Cell("9999-12-31T00:00:00", "datetime", "yyyy-mm-dd"))
        #expect(rows[4][4] == Cell("1900-01-01T00:00:00", "datetime", dateTime))
        #expect(rows[4][6] == Cell("+1", "str"))
    }

    @Test func theAboutSheetDescribesTheRun() throws {
        let sheet = try #require(try Self.readBack(truncated: true)["about"] as? [[Any]])
        let about: [[String]] = sheet.map { row in row.map { $0 is NSNull ? "" : "\($0)" } }
        #expect(about.contains(["Report", Self.context.reportName]))
        // The Markdown as plain text: marks gone, raw HTML tags left out (the text between them stays, as cmark
        // parses it), the link's text kept, list items on lines of their own.
        #expect(about.contains(["Description", "Sales per region, alert(1)see the wiki.\n1. EU\n2. US"]))
        #expect(about.contains(["Logical time", "2026-11-23 07:00:00 (Europe/Berlin)"]))
        #expect(about.contains(["Generated at", "2026-11-23 07:00:04 (Europe/Berlin)"]))
        #expect(about.contains(["Time zone", "at_zoned: the wall time at the offset PostgreSQL gave (UTC+01, UTC+05:30); Excel cells hold no zone"]))
        #expect(about.contains(["Rows", "5"]))
        #expect(about.contains(["Truncated", "yes — the result reached the report's row limit"]))
        #expect(about.contains(["Parameter", "Value"]))
        #expect(about.contains(["region", "EU"]))
        #expect(about.contains(["from", "2026-11-16"]))
    }

    @Test func anUntruncatedRunSaysSo() throws {
        let about = try #require(try Self.readBack(truncated: false)["about"] as? [[Any]])
        #expect(about.contains { $0.first as? String == "Truncated" && $0.last as? String == "no" })
    }

    /// Widths come from the longest value in the whole column, even one far past the first rows.
    @Test func columnWidthsFollowTheData() throws {
        let columns = [ReportColumn(name: "short", type: .text), ReportColumn(name: "a_long_header_name", type: .integer),
                       ReportColumn(name: "late", type: .text)]
        var rows: [[String?]] = (0..<300).map { ["x", "\($0)", "y"] }
        rows.append(["x", "1", String(repeating: "w", count: 40)])
        rows.append(["x", "1", String(repeating: "w", count: 500)])
        let widths = try #require(try Self.readBack(columns: columns, rows: rows)["widths"] as? [String: Double])
        let a = try #require(widths["A"]), b = try #require(widths["B"]), c = try #require(widths["C"])
        #expect(a >= 8 && a < 10)          // "short" plus room for the filter button
        #expect(b >= 21 && b < 23)         // the header is wider than any number
        #expect(c >= 60 && c < 62)         // capped, not 500
    }

    @Test func textLongerThanExcelsLimitIsCutWithANote() throws {
        let long = String(repeating: "東", count: 40_000)
        let book = try Self.readBack(columns: [ReportColumn(name: "t", type: .text), ReportColumn(name: "n", type: .integer)],
                                     rows: [[long, "1"], ["", "2"]])
        let rows = Self.cells(book["rows"])
        let value = try #require(rows.first?.first?.value)
        // libxlsxwriter writes no empty string: an empty text is a blank cell, as NULL is.
        #expect(rows.last == [Cell("", "NoneType"), Cell("2", "int")])
        #expect(value.utf16.count <= 32_767)
        #expect(value.hasPrefix(String(repeating: "東", count: 32_000)))
        #expect(value.hasSuffix(" … [cut: 40000 characters in all, Excel holds 32767]"))
        let about = try #require(book["about"] as? [[Any]])
        #expect(about.contains { $0.first as? String == "Cut texts" })
    }

    /// The limit holds for the text as written, escapes included, so libxlsxwriter never refuses a cell.
    @Test func escapedTextIsCutToTheLimitAsWritten() {
        let (text, cut) = XLSXRenderer.excelText(String(repeating: "_x0041_", count: 4_000))
        #expect(cut)
        #expect(text.unicodeScalars.count <= 32_767 && text.utf16.count <= 32_767)
        #expect(text.hasPrefix("_x005F_x0041__x005F_x0041_"))
        #expect(XLSXRenderer.excelText("plain_text x_1234_") == ("plain_text x_1234_", false))
    }

    @Test func anEmptyResultHasAHeaderAndAFilterOverIt() throws {
        let book = try Self.readBack(columns: [ReportColumn(name: "a", type: .text), ReportColumn(name: "b", type: .date)], rows: [])
        #expect(book["auto_filter"] as? String == "A1:B1")
        #expect(book["max_row"] as? Int == 1)
        #expect(Self.cells(book["rows"]).isEmpty)
    }

    /// A renderer dropped half-way (the query failed) closes its row files; the caller removes the placeholder file.
    @Test func anAbandonedRenderLeavesNoFileOpen() throws {
        let folder = try StreamedExportTests.folder()
        do {
            let renderer = try XLSXRenderer(path: folder + "/report.xlsx", context: Self.context)
            try renderer.begin(columns: Self.columns)
            try renderer.append(Self.rows[0])
            #expect(try Self.openFiles(under: folder) == 2)
        }
        #expect(try Self.openFiles(under: folder) == 0)
    }

    @Test func aResultWithoutColumnsIsStillAWorkbook() throws {
        let book = try Self.readBack(columns: [], rows: [])
        #expect(book["sheets"] as? [String] == ["Sales_ EU_DE _weekly_ _ the ver", "About"])
        #expect(book["auto_filter"] == nil || book["auto_filter"] is NSNull)
    }

    @Test func anExistingFileIsNeverOverwritten() throws {
        let path = try StreamedExportTests.folder() + "/out.xlsx"
        try Data("kept".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: RenderError.self) { try XLSXRenderer(path: path, context: Self.context) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kept")
    }

    @Test(arguments: [
        ("Sales", "Sales"), ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"), ("'quoted'", "quoted"), ("about", "Report"),
        ("History", "Report"), ("", "Report"), ("  ", "Report"), ("line\nbreak", "line_break"),
        (String(repeating: "x", count: 40), String(repeating: "x", count: 31)), ("Zürich — 東京 🇨🇭 sales by week and region", "Zürich — 東京 🇨🇭 sales by week"),
    ])
    func sheetNamesFollowExcelsRules(name: String, expected: String) {
        let sheet = XLSXRenderer.sheetName(name)
        #expect(sheet == expected)
        #expect(sheet.utf16.count <= 31)
    }

    @Test func numbersThatExcelWouldChangeStayText() {
        #expect(XLSXRenderer.number("123456789012345") == 123456789012345)
        #expect(XLSXRenderer.number("1234567890123456") == nil)
        #expect(XLSXRenderer.number("-000123.456") == -123.456)
        #expect(XLSXRenderer.number("3.33333333333333333333") != nil)
        #expect(XLSXRenderer.number("1e+300") == 1e300)
        #expect(XLSXRenderer.number("1e400") == nil)
        #expect(XLSXRenderer.number("$1,234.50") == nil)
        #expect(XLSXRenderer.number("-Infinity") == nil)
    }

    /// 100,000 rows through constant-memory mode, rendered by RenderProbe in a process of its own (this one
    /// runs other tests beside): its peak memory barely moves (a sanity bound, not a benchmark), and openpyxl
    /// reads every row.
    @Test func aHundredThousandRowsStayInBoundedMemory() throws {
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/big.xlsx"
        let probe = try Self.run(testBinDirectory + "/RenderProbe", ["xlsx", path, "100000"])
        let peaks = try #require(try JSONSerialization.jsonObject(with: probe) as? [String: Int])
        let growth = try #require(peaks["after_kib"]) - (try #require(peaks["before_kib"]))
        #expect(growth < 50 * 1024, "peak memory grew by \(growth) KiB")
        let book = try Self.check(path, streamed: true)
        #expect(book["sheets"] as? [String] == ["Probe", "About"])
        #expect(book["data_rows"] as? Int == 100_000)
        #expect((book["last_row"] as? [Any] ?? []).map(Cell.init) == [Cell("100000", "int"), Cell("customer 100000 — Zürich", "str"), Cell("100000.25", "float"),
                                                 Cell("2026-11-23T07:00:00", "datetime", "yyyy-mm-dd hh:mm:ss")])
    }


    /// Runs a program to its end and returns its standard output; it must exit 0.
    static func run(_ program: String, _ arguments: [String]) throws -> Data {
        let (status, data) = try programOutput(program, arguments)
        try #require(status == 0, "\(program) exited with \(status)")
        return data
    }

    /// This process's open files under `folder` (libxlsxwriter's row files are unlinked, so only /proc shows them).
    static func openFiles(under folder: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"))?.hasPrefix(folder + "/") == true
        }.count
    }
}

/// The description's plain text for the About sheet.
struct DescriptionTextTests {
    @Test func listsHeadingsAndCodeBecomeLines() {
        let text = DescriptionText.plainText(fromMarkdown: "# Weekly *sales*\n\nBy region:\n\n- EU\n  - DE\n- US\n\n```\nSELECT 1\n```\n\n<div>raw</div>")
        #expect(text == "Weekly sales\nBy region:\n• EU\n    • DE\n• US\nSELECT 1")
    }
}
