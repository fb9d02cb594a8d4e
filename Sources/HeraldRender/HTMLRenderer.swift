import Mustache

/// A self-contained HTML page of the result, safe to attach to or embed in an e-mail: inline styles only (mail
/// clients drop style sheets), no script, no external resource, every value escaped (Mustache's `{{ }}` for the page
/// around the table, `appendEscaped` for the cells). The rows are written one at a time into the file, so a long
/// result does not sit in memory; each cell is its column's opening tag and the escaped value, not a template
/// render (which cost 0.5 ms a row). `table(...)` gives the same
/// table for the first rows, for an e-mail's body.
public final class HTMLRenderer: ReportRenderer {
    public let format = "html"
    let file: OutputFile
    let context: ReportContext
    private var types: [ColumnType] = []
    private var cells = RowCells(types: [])
    private var rowCount = 0

    public init(path: String, context: ReportContext) throws {
        file = try OutputFile(path: path)
        self.context = context
    }

    public func begin(columns: [ReportColumn]) throws {
        types = columns.map(\.type)
        cells = RowCells(types: types)
        try file.write(Self.page.render(HeadView(context, columns: columns)))
    }

    public func append(_ row: [String?]) throws {
        rowCount += 1
        let cells = self.cells
        try file.append { cells.append(row, to: &$0) }
    }

    public func finish(truncated: Bool) throws {
        try file.write(Self.foot.render(FootView(rowCount: rowCount, truncated: truncated, empty: rowCount == 0, span: max(types.count, 1))))
        try file.close()
    }

    /// The table alone (no page around it) of at most `limit` rows, for an e-mail body; says how many were left out.
    public static func table(columns: [ReportColumn], rows: [[String?]], limit: Int = 20, truncated: Bool = false) -> String {
        let cells = RowCells(types: columns.map(\.type))
        var html = tableHead.render(HeadView(nil, columns: columns))
        var bytes: [UInt8] = []
        for values in rows.prefix(limit) { cells.append(values, to: &bytes) }
        html += String(decoding: bytes, as: UTF8.self)
        let more = rows.count > limit ? rows.count - limit : 0
        html += tableFoot.render(TableFootView(more: more, hasMore: more > 0, truncated: truncated, span: max(columns.count, 1)))
        return html
    }

    struct HeadView {
        struct Column { let name: String; let align: String }
        struct Parameter { let name: String; let value: String }
        let title: String
        let logicalTime: String
        let generatedAt: String
        let timeZone: String
        let parameters: [Parameter]
        let hasParameters: Bool
        let columns: [Column]

        init(_ context: ReportContext?, columns: [ReportColumn]) {
            title = context?.reportName ?? ""
            logicalTime = context?.logicalTime ?? ""
            generatedAt = context?.generatedAt ?? ""
            timeZone = context?.timeZone ?? ""
            parameters = (context?.parameters ?? []).map { Parameter(name: $0.name, value: $0.value) }
            hasParameters = !parameters.isEmpty
            self.columns = columns.map { Column(name: $0.name, align: HTMLRenderer.align($0.type)) }
        }
    }

    /// Each column's `<td …>` (and its NULL variant, greyed) made once; a row is those and the escaped values.
    struct RowCells {
        let open: [[UInt8]]
        let openNull: [[UInt8]]
        let types: [ColumnType]
        static let fallback = Array("<td style=\"\(cellStyle);text-align:left\">".utf8)

        init(types: [ColumnType]) {
            self.types = types
            open = types.map { Array("<td style=\"\(cellStyle);text-align:\(HTMLRenderer.align($0))\">".utf8) }
            openNull = types.map { Array("<td style=\"\(cellStyle);text-align:\(HTMLRenderer.align($0));color:#8c959f\">".utf8) }
        }

        func append(_ values: [String?], to out: inout [UInt8]) {
            out.append(contentsOf: "<tr>".utf8)
            for (index, value) in values.enumerated() {
                out.append(contentsOf: index < open.count ? (value == nil ? openNull[index] : open[index]) : Self.fallback)
                if let value {
                    var shown = index < types.count ? types[index].shown(value) : value
                    shown.withUTF8 { HTMLRenderer.appendEscaped($0, to: &out) }
                }
                out.append(contentsOf: "</td>".utf8)
            }
            out.append(contentsOf: "</tr>\n".utf8)
        }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities, everything else as it is: the cell's text, inert in any HTML context
    /// a value can reach here (element content).
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var start = 0
        for (index, byte) in bytes.enumerated() {
            let entity: StaticString
            switch byte {
            case 0x26: entity = "&amp;"
            case 0x3C: entity = "&lt;"
            case 0x3E: entity = "&gt;"
            case 0x22: entity = "&quot;"
            case 0x27: entity = "&#39;"
            default: continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            entity.withUTF8Buffer { out.append(contentsOf: $0) }
            start = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
    }

    struct FootView { let rowCount: Int; let truncated: Bool; let empty: Bool; let span: Int }
    struct TableFootView { let more: Int; let hasMore: Bool; let truncated: Bool; let span: Int }

    static func align(_ type: ColumnType) -> String { type == .integer || type == .number ? "right" : "left" }

    static let cellStyle = "border:1px solid #d0d7de;padding:4px 8px;vertical-align:top"
    static let tableStyle = "border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#1f2328"

    // The templates are compiled once; a template that does not compile is a programming error caught by the tests.
    static func compiled(_ text: String) -> MustacheTemplate {
        do { return try MustacheTemplate(string: text) } catch { preconditionFailure("HTMLRenderer template: \(error)") }
    }

    static let tableHeadText = """
        <table style="\(tableStyle)">
        <thead><tr>{{#columns}}<th style="\(cellStyle);background:#f6f8fa;text-align:{{align}}">{{name}}</th>{{/columns}}</tr></thead>
        <tbody>

        """
    static let tableHead = compiled(tableHeadText)
    static let page = compiled("""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title></head>
        <body style="margin:16px;font-family:Arial,Helvetica,sans-serif;color:#1f2328">
        <h1 style="font-size:20px;margin:0 0 8px">{{title}}</h1>
        <p style="margin:0 0 4px;font-size:13px">For {{logicalTime}} ({{timeZone}}); made {{generatedAt}}.</p>
        {{#hasParameters}}<p style="margin:0 0 12px;font-size:13px">{{#parameters}}<b>{{name}}</b>: {{value}}&#32; {{/parameters}}</p>{{/hasParameters}}

        """ + tableHeadText)
    static let foot = compiled("""
        {{#empty}}<tr><td colspan="{{span}}" style="\(cellStyle)">No rows.</td></tr>{{/empty}}
        </tbody></table>
        <p style="font-size:13px">{{rowCount}} rows.{{#truncated}} <b>Truncated: the result reached the report's row limit; rows after it are not shown.</b>{{/truncated}}</p>
        </body></html>

        """)
    static let tableFoot = compiled("""
        </tbody></table>
        {{#hasMore}}<p style="font-size:13px">… and {{more}} more rows in the attached files.</p>{{/hasMore}}
        {{#truncated}}<p style="font-size:13px"><b>Truncated: the result reached the report's row limit.</b></p>{{/truncated}}

        """)
}
