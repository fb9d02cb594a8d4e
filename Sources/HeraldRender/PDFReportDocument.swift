import PangoCairo

/// The drawing of one report's PDF: page geometry, fonts, the title block, the table's rows and the page footers.
/// `layOut` runs the same pagination whether it draws or only counts, so the count and the drawing always agree.
final class PDFReportDocument {
    /// A4 in points.
    static let shortSide = 595.276, longSide = 841.89
    static let margin = 36.0, footerHeight = 18.0
    static let paddingX = 3.0, paddingY = 2.0, gridWidth = 0.5
    /// A header cell taller than this is cut with "…" (a column name is not a paragraph).
    static let tallestHeader = 80.0
    static let cellFont = "DejaVu Sans 8", headerFont = "DejaVu Sans Bold 8"

    let context: ReportContext
    let columns: [ReportColumn]
    let surface: PDFSurface
    let cairo: CairoContext
    let tableWidth: Double
    /// Where the table's rows must end on every page, above the footer.
    let bodyBottom: Double

    private let cellFont: FontDescription
    private let headerFont: FontDescription
    private let proseFont: FontDescription
    private let titleFont: FontDescription
    private let measuring: TextLayout
    private let prose: TextLayout
    private var cells: [TextLayout] = []
    private var headers: [TextLayout] = []
    private var widths: [Double] = []
    private var headerHeight = 0.0

    init(context: ReportContext, columns: [ReportColumn], landscape: Bool,
         write: @escaping (UnsafeRawBufferPointer) -> Bool) throws(PangoCairoError) {
        self.context = context
        self.columns = columns
        let (width, height) = landscape ? (Self.longSide, Self.shortSide) : (Self.shortSide, Self.longSide)
        surface = try PDFSurface(width: width, height: height, write: write)
        try surface.setTitle(context.reportName)
        cairo = try CairoContext(surface: surface)
        tableWidth = width - 2 * Self.margin
        bodyBottom = height - Self.margin - Self.footerHeight
        cellFont = try FontDescription(Self.cellFont)
        headerFont = try FontDescription(Self.headerFont)
        proseFont = try FontDescription("DejaVu Sans 9")
        titleFont = try FontDescription("DejaVu Sans Bold 16")
        measuring = try TextLayout(context: cairo, font: cellFont)
        prose = try TextLayout(context: cairo, font: proseFont)
        prose.setWidth(tableWidth)
    }

    /// The width a value needs on one line, padding included.
    func naturalWidth(cell: String) -> Double { measure(cell, font: cellFont) }
    func naturalWidth(header: String) -> Double { measure(header, font: headerFont) }

    private func measure(_ text: String, font: FontDescription) -> Double {
        measuring.setFont(font)
        measuring.setText(text)
        return measuring.size.width + 2 * Self.paddingX + 1
    }

    /// Shares the table's width out max-min fairly: a column that needs less than an equal share of what is left gets
    /// what it needs, the others split the rest equally (and wrap). One layout per column is set up here, so a row is
    /// measured and drawn without laying its text out twice.
    func setColumnWidths(natural: [Double]) throws(PangoCairoError) {
        widths = Self.share(tableWidth, among: natural)
        // A cell is cut with "…" where it would not fit on an empty page below the header.
        let tallestCell = bodyBottom - Self.margin - Self.tallestHeader - 2 * Self.paddingY
        cells = []; headers = []
        for (index, column) in columns.enumerated() {
            let numeric = column.type == .integer || column.type == .number
            let cell = try TextLayout(context: cairo, font: cellFont)
            let header = try TextLayout(context: cairo, font: headerFont)
            for layout in [cell, header] {
                layout.setWidth(max(widths[index] - 2 * Self.paddingX, 1))
                layout.setAlignment(numeric ? .right : .left)
                layout.setMaxHeight(tallestCell)
            }
            header.setMaxHeight(Self.tallestHeader)
            header.setText(column.name)
            cells.append(cell)
            headers.append(header)
        }
        headerHeight = (headers.map(\.size.height).max() ?? 0) + 2 * Self.paddingY
    }

    static func share(_ total: Double, among natural: [Double]) -> [Double] {
        guard natural.reduce(0, +) > total else { return natural }
        var widths = natural
        var open = Array(natural.indices)
        var left = total
        while !open.isEmpty {
            let fair = left / Double(open.count)
            let fitting = open.filter { natural[$0] <= fair }
            if fitting.isEmpty {
                for index in open { widths[index] = fair }
                break
            }
            for index in fitting { left -= natural[index] }
            open.removeAll { natural[$0] <= fair }
        }
        return widths
    }

    /// One pass over the rows. With `pageCount` nil it only counts the pages; with the count it draws them, emitting
    /// each page when it is full. Returns the number of pages.
    func layOut(_ rows: (([String?]) throws -> Void) throws -> Void, truncated: Bool, pageCount: Int?) throws -> Int {
        var pass = Pass(document: self, pageCount: pageCount)
        try pass.startPage()
        try rows { row in try pass.add(row) }
        if pass.rowCount == 0 { try pass.addNote("No rows.") }
        if truncated { try pass.addNote("Truncated: the result reached the report's row limit; rows after it are not in this file.") }
        try pass.endPage()
        return pass.page
    }

    func finish() throws(PangoCairoError) {
        try cairo.check("cannot draw the PDF")
        try surface.finish()
    }

    /// The state of one pass: the page being filled and how far down it is.
    struct Pass {
        let document: PDFReportDocument
        let pageCount: Int?
        var page = 1
        var y = 0.0
        var rowCount = 0
        var draws: Bool { pageCount != nil }

        init(document: PDFReportDocument, pageCount: Int?) {
            self.document = document
            self.pageCount = pageCount
        }

        mutating func startPage() throws {
            y = PDFReportDocument.margin
            if page == 1 { y = try PDFRenderer.converting { try document.titleBlock(at: y, draw: draws) } }
            if draws { document.drawHeader(at: y) }
            y += document.headerHeight
        }

        mutating func endPage() throws {
            guard let pageCount else { return }
            document.drawFooter(page: page, of: pageCount)
            try PDFRenderer.converting { try document.cairo.showPage() }
        }

        mutating func add(_ row: [String?]) throws {
            rowCount += 1
            let height = document.setRow(row)
            if y + height > document.bodyBottom {
                try endPage()
                page += 1
                try startPage()
            }
            if draws { document.drawRow(at: y, height: height) }
            y += height
        }

        mutating func addNote(_ text: String) throws {
            let height = document.noteHeight(text) + 6
            if y + height > document.bodyBottom {
                try endPage()
                page += 1
                y = PDFReportDocument.margin
            }
            if draws { document.drawNote(at: y + 6) }
            y += height
        }
    }

    // MARK: drawing

    private func ink() { cairo.setColor(red: 0.12, green: 0.14, blue: 0.16) }

    /// Name, description, parameters and times; returns where the table starts.
    func titleBlock(at top: Double, draw: Bool) throws(PangoCairoError) -> Double {
        var y = top
        func paragraph(_ markup: String, font: FontDescription, gap: Double) throws(PangoCairoError) {
            prose.setFont(font)
            try prose.setMarkup(markup)
            if draw { ink(); prose.draw(x: Self.margin, y: y) }
            y += prose.size.height + gap
        }
        prose.setMaxHeight(nil)
        try paragraph(PangoMarkup.escape(context.reportName), font: titleFont, gap: 6)
        let description = DescriptionMarkup.markup(fromMarkdown: context.descriptionMarkdown)
        if !description.isEmpty {
            prose.setMaxHeight((bodyBottom - Self.margin) / 2)
            try paragraph(description, font: proseFont, gap: 6)
            prose.setMaxHeight(nil)
        }
        if !context.parameters.isEmpty {
            let lines = context.parameters.map { "<b>\(PangoMarkup.escape($0.name))</b>: \(PangoMarkup.escape($0.value))" }
            try paragraph(lines.joined(separator: "\n"), font: proseFont, gap: 4)
        }
        let zone = PangoMarkup.escape(context.timeZone)
        try paragraph("<b>Logical time</b>: \(PangoMarkup.escape(context.logicalTime)) (\(zone))\n"
                  + "<b>Generated at</b>: \(PangoMarkup.escape(context.generatedAt)) (\(zone))", font: proseFont, gap: 10)
        return y
    }

    /// Sets a row's values into the column layouts; returns the row's height (its tallest cell's).
    func setRow(_ row: [String?]) -> Double {
        var tallest = 0.0
        for (index, layout) in cells.enumerated() {
            layout.setText(index < row.count ? row[index] ?? "" : "")
            tallest = max(tallest, layout.size.height)
        }
        return tallest + 2 * Self.paddingY
    }

    func drawHeader(at y: Double) {
        cairo.setColor(red: 0.91, green: 0.93, blue: 0.95)
        cairo.fillRectangle(x: Self.margin, y: y, width: widths.reduce(0, +), height: headerHeight)
        drawCells(headers, at: y, height: headerHeight)
    }

    /// Draws the row last given to `setRow`.
    func drawRow(at y: Double, height: Double) { drawCells(cells, at: y, height: height) }

    private func drawCells(_ layouts: [TextLayout], at y: Double, height: Double) {
        var x = Self.margin
        cairo.setLineWidth(Self.gridWidth)
        for (index, layout) in layouts.enumerated() {
            ink()
            layout.draw(x: x + Self.paddingX, y: y + Self.paddingY)
            cairo.setColor(red: 0.72, green: 0.75, blue: 0.78)
            cairo.strokeRectangle(x: x, y: y, width: widths[index], height: height)
            x += widths[index]
        }
    }

    func noteHeight(_ text: String) -> Double {
        prose.setFont(headerFont)
        prose.setText(text)
        return prose.size.height
    }

    /// Draws the note last measured by `noteHeight`.
    func drawNote(at y: Double) {
        ink()
        prose.draw(x: Self.margin, y: y)
    }

    func drawFooter(page: Int, of pages: Int) {
        prose.setFont(cellFont)
        prose.setAlignment(.center)
        // Two spaces each side: with one, text extraction (pdftotext) sees "1/6", the glyphs' gaps being too narrow.
        prose.setText("\(page)  /  \(pages)")
        cairo.setColor(red: 0.35, green: 0.38, blue: 0.42)
        prose.draw(x: Self.margin, y: surface.height - Self.margin - prose.size.height / 2)
        prose.setAlignment(.left)
    }
}
