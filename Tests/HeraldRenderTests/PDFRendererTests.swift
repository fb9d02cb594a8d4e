import Foundation
import Testing
@testable import HeraldRender

/// The PDF export read back by poppler's `pdftotext -layout` and `pdfinfo` (Debian `poppler-utils`).
struct PDFRendererTests {
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "&amp;", "Zürich — 東京"]
    static let columns = [ReportColumn(name: "id", type: .integer), ReportColumn(name: "city <b>name</b>", type: .text),
                          ReportColumn(name: "amount", type: .number), ReportColumn(name: "note", type: .text)]
    static let context = ReportContext(reportName: "Sales <EU> & Co", descriptionMarkdown: "Weekly **sales** & *returns*; see `a<b`.\n\n- one\n- two <script>x</script>",
                                       parameters: [.init(name: "region", value: "\"><svg onload=alert(1)>")],
                                       logicalTime: "2026-11-23 07:00:00", generatedAt: "2026-11-23 07:00:04", timeZone: "Europe/Berlin")
    /// 2,000 characters in words, so the first and last can be found in the wrapped text.
    static let longCell = (1...222).map { String(format: "w%04d", $0) }.joined(separator: " ")

    static func rows(_ count: Int) -> [[String?]] {
        (0..<count).map { index in
            let note: String? = index == 7 ? longCell : (index % 5 == 0 ? nil : hostile[index % hostile.count])
            return ["\(index)", hostile[index % hostile.count], index % 3 == 0 ? "-\(index).25" : nil, note]
        }
    }

    func render(columns: [ReportColumn] = Self.columns, rows: [[String?]], truncated: Bool = false,
                options: PDFRenderer.Options = .init()) throws -> String {
        let path = try StreamedExportTests.folder() + "/report.pdf"
        let renderer = try PDFRenderer(path: path, context: Self.context, options: options)
        try renderer.begin(columns: columns)
        for row in rows { try renderer.append(row) }
        try renderer.finish(truncated: truncated)
        return path
    }

    /// Runs a poppler tool and returns its standard output; a missing tool fails the test.
    func run(_ tool: String, _ arguments: [String]) throws -> String {
        let executable = "/usr/bin/\(tool)"
        try #require(FileManager.default.isExecutableFile(atPath: executable), "\(tool) is missing: install poppler-utils (deploy/lib.sh)")
        let (status, data) = try programOutput(executable, arguments)
        #expect(status == 0, "\(tool) failed")
        return String(decoding: data, as: UTF8.self)
    }

    func pages(_ path: String) throws -> [String] {
        try run("pdftotext", ["-layout", path, "-"]).components(separatedBy: "\u{0C}").filter { !$0.isEmpty }
    }

    func pageCount(_ path: String) throws -> Int? {
        try run("pdfinfo", [path]).split(separator: "\n").first { $0.hasPrefix("Pages:") }
            .flatMap { Int($0.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) }
    }

    @Test func aLongTableRepeatsItsHeaderAndNumbersItsPages() throws {
        let path = try render(rows: Self.rows(150))
        let count = try #require(try pageCount(path))
        let text = try pages(path)
        #expect(count >= 3)
        #expect(text.count == count)
        for (index, page) in text.enumerated() {
            #expect(page.contains("city <b>name</b>") && page.contains("amount"), "no header on page \(index + 1)")
            #expect(page.contains("\(index + 1) / \(count)"), "no page number on page \(index + 1)")
        }
        #expect(text[0].contains("Sales <EU> & Co"))
        #expect(!text.joined().contains("Truncated"))
        // Every row once, in order, across the page breaks: the first word of a table line is its id.
        let ids = text.joined().split(separator: "\n").compactMap { line -> Int? in
            let words = line.split(separator: " ")
            guard words.count > 1, words[1] != "/" else { return nil }
            return Int(words[0])
        }
        #expect(ids == Array(0..<150))
    }

    /// "東京" comes back as text only if a font drew it: Pango draws a missing glyph as a box of hex digits instead.
    @Test func hostileValuesArePrintedAsText() throws {
        let all = try pages(try render(rows: Self.rows(150))).joined()
        for value in Self.hostile { #expect(all.contains(value), "missing \(value)") }
        #expect(all.contains("-6.25"))
        #expect(all.contains("w0001") && all.contains("w0222"))
        #expect(all.contains("\"><svg onload=alert(1)>"))
        #expect(all.contains("Logical time: 2026-11-23 07:00:00 (Europe/Berlin)"))
        #expect(all.contains("Generated at: 2026-11-23 07:00:04 (Europe/Berlin)"))
    }

    @Test func theDescriptionIsMarkdownWithoutItsRawHTML() throws {
        let first = try #require(try pages(try render(rows: Self.rows(3))).first)
        #expect(first.contains("Weekly sales & returns; see a<b."))
        #expect(first.contains("• one"))
        #expect(first.contains("• two x"))
        #expect(!first.contains("<script>x"))
    }

    @Test func aTruncatedResultSaysSoAfterTheTable() throws {
        let truncated = try pages(try render(rows: Self.rows(150), truncated: true))
        #expect(truncated.last?.contains("Truncated: the result reached the report's row limit") == true)
        let whole = try pages(try render(rows: Self.rows(3), truncated: false)).joined()
        #expect(!whole.contains("Truncated"))
    }

    @Test func anEmptyResultIsOnePageThatSaysSo() throws {
        let path = try render(rows: [])
        #expect(try pageCount(path) == 1)
        #expect(try pages(path).first?.contains("No rows.") == true)
    }

    @Test func moreThanSixColumnsTurnTheAutomaticPageToLandscape() throws {
        let seven = (1...7).map { ReportColumn(name: "c\($0)", type: .text) }
        let landscape = try run("pdfinfo", [try render(columns: seven, rows: [Array(repeating: "x", count: 7)])])
        #expect(landscape.contains("841.89 x 595.276 pts"))
        let portrait = try run("pdfinfo", [try render(columns: Array(seven.prefix(6)), rows: [Array(repeating: "x", count: 6)])])
        #expect(portrait.contains("595.276 x 841.89 pts"))
        let forced = try run("pdfinfo", [try render(columns: seven, rows: [], options: .init(orientation: .portrait))])
        #expect(forced.contains("595.276 x 841.89 pts"))
    }

    /// Ten columns, one of long prose: the narrow ones keep their one-line width, the long one wraps in the rest.
    @Test func aWideTableKeepsNarrowColumnsOnOneLine() throws {
        let columns = (1...9).map { ReportColumn(name: "col\($0)", type: $0 % 2 == 0 ? .number : .text) } + [ReportColumn(name: "remarks", type: .text)]
        let rows: [[String?]] = (0..<60).map { index in
            (1...9).map { $0 % 2 == 0 ? "\(index * 1000 + $0).50" : "v\(index)-\($0)" } + [String(repeating: "lorem ipsum dolor ", count: index % 12)]
        }
        let path = try render(columns: columns, rows: rows)
        let first = try #require(try pages(path).first)
        #expect(first.contains("col1") && first.contains("col9") && first.contains("remarks"))
        let line = try #require(first.split(separator: "\n").first { $0.contains("v5-1") })
        for column in 1...9 { #expect(line.contains(column % 2 == 0 ? "\(5000 + column).50" : "v5-\(column)")) }
    }

    @Test func theRowSpoolLeavesNothingNextToTheOutput() throws {
        let path = try render(rows: Self.rows(10))
        let folder = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.pdf"])
    }

    /// 20,000 rows: the rows live in the spool, not in memory (the peak resident size grows by well under 60 MB),
    /// rendered by RenderProbe in a process of its own, so the other tests running beside this one do not count.
    @Test func twentyThousandRowsRenderInBoundedMemory() throws {
        let path = try StreamedExportTests.folder() + "/big.pdf"
        let (status, output) = try programOutput(testBinDirectory + "/RenderProbe", ["pdf", path, "20000"])
        try #require(status == 0, "RenderProbe exited with \(status)")
        let peaks = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Int])
        let growth = try #require(peaks["after_kib"]) - (try #require(peaks["before_kib"]))
        #expect(growth < 60 * 1024, "peak resident size grew by \(growth) KiB")
        #expect(try pageCount(path) ?? 0 > 300)
    }
}

struct RowSpoolTests {
    @Test func rowsComeBackAsWrittenInEveryPass() throws {
        let path = try StreamedExportTests.folder() + "/rows"
        let spool = try RowSpool(path: path)
        let rows: [[String?]] = [["a", nil, ""], ["Zürich — 東京"], [], [String(repeating: "é", count: 100_000), "end"]]
        for _ in 0..<300 { for row in rows { try spool.append(row) } }
        #expect(!FileManager.default.fileExists(atPath: path))
        for _ in 0..<2 {
            var read: [[String?]] = []
            try spool.forEachRow { read.append($0) }
            #expect(read.count == 1_200)
            #expect(Array(read.prefix(4)) == rows)
            #expect(Array(read.suffix(4)) == rows)
        }
    }
}

struct DescriptionMarkupTests {
    @Test func markdownBecomesEscapedPangoMarkup() {
        #expect(DescriptionMarkup.markup(fromMarkdown: "# Sales & <b>x</b>\n\nSome **bold** and *it* `a<b`\n\n1. one\n2. two")
                == "<span weight=\"bold\" size=\"larger\">Sales &amp; x</span>\nSome <b>bold</b> and <i>it</i> <tt>a&lt;b</tt>\n1. one\n2. two")
    }

    @Test func rawHTMLIsLeftOut() {
        #expect(DescriptionMarkup.markup(fromMarkdown: "<script>alert(1)</script>\n\nok <img src=x onerror=alert(1)>") == "ok ")
    }
}
