import Foundation
import Testing
@testable import HeraldRender

/// The HTML export and the e-mail table: every value escaped, nothing a mail client or a browser would run.
struct HTMLRendererTests {
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "a & b ' c"]
    static let columns = [ReportColumn(name: "<b>name</b>", type: .text), ReportColumn(name: "amount", type: .number)]

    func page(truncated: Bool) throws -> String {
        let path = try StreamedExportTests.folder() + "/report.html"
        let context = ReportContext(reportName: "Sales <EU>", parameters: [.init(name: "region", value: "\"><svg onload=alert(1)>")],
                                    logicalTime: "2026-11-23 07:00:00", generatedAt: "2026-11-23 07:00:04", timeZone: "Europe/Berlin")
        let renderer = try HTMLRenderer(path: path, context: context)
        try renderer.begin(columns: Self.columns)
        for (index, value) in Self.hostile.enumerated() { try renderer.append([value, "\(index).5"]) }
        try renderer.append([nil, nil])
        try renderer.finish(truncated: truncated)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The tags the page is made of; any other tag in the output came from data.
    static let allowedTags: Set<String> = ["html", "head", "meta", "title", "body", "h1", "p", "b", "table", "thead", "tbody", "tr", "th", "td"]

    @Test func hostileValuesAreEscapedEverywhere() throws {
        let html = try page(truncated: false)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<svg"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("<title>Sales &lt;EU&gt;</title>"))
        #expect(html.contains("&lt;b&gt;name&lt;/b&gt;"))
        #expect(html.contains("text-align:right\">1.5</td>"))
        #expect(html.contains("5 rows."))
        #expect(!html.contains("Truncated"))
    }

    /// Parsed back by Python's own HTML parser: only the page's own tags, and the hostile strings as text.
    @Test func pythonsParserFindsOnlyThePagesOwnTags() throws {
        let python = try #require(ProcessInfo.processInfo.environment["HERALD_TEST_PYTHON"], "HERALD_TEST_PYTHON is not set (deploy/test.sh sets it)")
        let path = try StreamedExportTests.folder() + "/parsed.html"
        try page(truncated: true).write(toFile: path, atomically: true, encoding: .utf8)
        let script = """
            import html.parser, json, sys
            class P(html.parser.HTMLParser):
                def __init__(self):
                    super().__init__(); self.tags = set(); self.text = []; self.attrs = []
                def handle_starttag(self, tag, attrs):
                    self.tags.add(tag); self.attrs += [k for k, _ in attrs]
                def handle_data(self, data): self.text.append(data)
            p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
            print(json.dumps({"tags": sorted(p.tags), "attrs": sorted(set(p.attrs)), "text": "".join(p.text)}))
            """
        let (status, data) = try programOutput(python, ["-c", script, path])
        #expect(status == 0)
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tags = Set(parsed["tags"] as? [String] ?? [])
        #expect(tags.isSubset(of: Self.allowedTags), "tags from data: \(tags.subtracting(Self.allowedTags))")
        #expect(Set(parsed["attrs"] as? [String] ?? []).isSubset(of: ["style", "lang", "charset", "name", "content", "colspan"]))
        let text = parsed["text"] as? String ?? ""
        for value in Self.hostile { #expect(text.contains(value)) }
        #expect(text.contains("Truncated: the result reached the report's row limit"))
    }

    @Test func theEmailTableShowsTheFirstRowsAndSaysHowManyMore() {
        let rows: [[String?]] = (1...25).map { ["<i>\($0)</i>", "\($0)"] }
        let html = HTMLRenderer.table(columns: Self.columns, rows: rows, limit: 20)
        #expect(html.components(separatedBy: "<tr>").count - 1 == 21)   // the header and 20 rows
        #expect(html.contains("… and 5 more rows in the attached files."))
        #expect(!html.contains("<i>"))
        #expect(!html.contains("<html"))
    }

    /// People read PostgreSQL's `t` and `f` as true and false in a page; a NULL stays an empty, greyed cell.
    @Test func booleansReadAsWords() {
        let table = HTMLRenderer.table(columns: [ReportColumn(name: "paid", type: .boolean)], rows: [["t"], ["f"], [nil]])
        #expect(table.contains(">true</td>"))
        #expect(table.contains(">false</td>"))
        #expect(!table.contains(">t</td>"))
    }
}
