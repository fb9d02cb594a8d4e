import Foundation
import Testing
@testable import HeraldRender

struct CSVRendererTests {
    func text(_ columns: [String], _ rows: [[String?]]) -> String { String(decoding: CSVRenderer.render(columns: columns, rows: rows), as: UTF8.self) }

    @Test func quotesOnlyWhatNeedsQuoting() {
        #expect(text(["id", "name"], [["1", "Ada"], ["2", "O\"Brien, Jr."], ["3", nil], ["4", "two\nlines"]])
                == "id,name\r\n1,Ada\r\n2,\"O\"\"Brien, Jr.\"\r\n3,\r\n4,\"two\nlines\"\r\n")
    }

    @Test func keepsUnicode() {
        #expect(text(["städte"], [["Zürich ✓"]]) == "städte\r\nZürich ✓\r\n")
    }

    @Test func defusesSpreadsheetFormulasButNotNegativeNumbers() {
        #expect(text(["v"], [["=HYPERLINK(\"http://x\")"], ["-42.5"], ["+1"], ["@SUM(A1)"], ["-x"]])
                == "v\r\n\"'=HYPERLINK(\"\"http://x\"\")\"\r\n-42.5\r\n+1\r\n'@SUM(A1)\r\n'-x\r\n")
    }

    @Test func aHeaderOnlyReportIsOneLine() {
        #expect(text(["a", "b"], []) == "a,b\r\n")
    }
}

/// The streaming renderers write what the in-memory one does, into a new file.
struct StreamedExportTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/herald-render-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let columns = [ReportColumn(name: "id", type: .integer), ReportColumn(name: "city; name", type: .text),
                          ReportColumn(name: "amount", type: .number), ReportColumn(name: "paid", type: .boolean),
                          ReportColumn(name: "day", type: .date)]
    static let rows: [[String?]] = [["1", "Zürich — 東京", "1234.50", "t", "2026-11-23"],
                                    ["2", "=cmd|' /C calc'!A0", "NaN", "f", nil],
                                    ["3", "say \"hi\"\nbye", "-0.5e3", nil, "2026-11-24"]]

    func render(_ renderer: any ReportRenderer, truncated: Bool = false) throws {
        try renderer.begin(columns: Self.columns)
        for row in Self.rows { try renderer.append(row) }
        try renderer.finish(truncated: truncated)
    }

    @Test func csvWithSemicolonsAndAByteOrderMark() throws {
        let path = try Self.folder() + "/out.csv"
        try render(try CSVRenderer(path: path, options: .init(delimiter: .semicolon, byteOrderMark: true)))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: bytes.dropFirst(3), as: UTF8.self) == "id;\"city; name\";amount;paid;day\r\n"
                + "1;Zürich — 東京;1234.50;t;2026-11-23\r\n"
                + "2;'=cmd|' /C calc'!A0;NaN;f;\r\n"
                + "3;\"say \"\"hi\"\"\nbye\";-0.5e3;;2026-11-24\r\n")
    }

    @Test func csvWithTabsQuotesFieldsHoldingATab() throws {
        let path = try Self.folder() + "/out.csv"
        let renderer = try CSVRenderer(path: path, options: .init(delimiter: .tab))
        try renderer.begin(columns: [ReportColumn(name: "a", type: .text), ReportColumn(name: "b", type: .text)])
        try renderer.append(["x\ty", "plain"])
        try renderer.finish(truncated: false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a\tb\r\n\"x\ty\"\tplain\r\n")
    }

    @Test func anExistingFileIsNeverOverwritten() throws {
        let path = try Self.folder() + "/out.csv"
        FileManager.default.createFile(atPath: path, contents: Data("kept".utf8))
        #expect(throws: RenderError.self) { try CSVRenderer(path: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kept")
    }

    @Test func jsonHasTypedValuesAndTheTruncatedFlag() throws {
        let path = try Self.folder() + "/out.json"
        try render(try JSONRenderer(path: path), truncated: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let columns = try #require(object["columns"] as? [[String: String]])
        #expect(columns.map { $0["name"] ?? "" } == ["id", "city; name", "amount", "paid", "day"])
        #expect(columns.map { $0["type"] ?? "" } == ["integer", "text", "number", "boolean", "date"])
        let rows = try #require(object["rows"] as? [[Any]])
        #expect(rows.count == 3)
        #expect((rows[0][0] as? NSNumber)?.intValue == 1)
        #expect(rows[0][1] as? String == "Zürich — 東京")
        #expect((rows[0][2] as? NSNumber)?.doubleValue == 1234.5)
        #expect((rows[0][3] as? NSNumber) == NSNumber(value: true))
        #expect(rows[1][2] as? String == "NaN")
        #expect(rows[1][4] is NSNull)
        #expect(rows[2][1] as? String == "say \"hi\"\nbye")
        #expect((rows[2][2] as? NSNumber)?.doubleValue == -500)
        #expect(object["truncated"] as? Bool == true)
    }

    @Test func jsonOfNoRowsIsStillValid() throws {
        let path = try Self.folder() + "/out.json"
        let renderer = try JSONRenderer(path: path)
        try renderer.begin(columns: [ReportColumn(name: "a", type: .text)])
        try renderer.finish(truncated: false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == #"{"columns":[{"name":"a","type":"text"}],"rows":[],"truncated":false}"#)
    }
}
