import PangoCairo

/// The result as an A4 PDF (cairo + pango): a title block on the first page (name, Markdown description, parameters,
/// logical and generated-at times with the zone), then a table whose header row repeats on every page, numbers
/// right-aligned, long cells wrapped, thin grid lines and "n / N" at the foot of each page.
///
/// "n / N" needs N before the first page is drawn, while the rows arrive once: they are spooled to an unlinked file
/// next to the output as they come (`RowSpool`), and `finish` lays them out twice, once to count the pages and once to
/// draw them, each page emitted as soon as it is full. Memory holds one page's drawing state, never the rows.
/// Column widths are shared out from the header and the first `sampleRows` rows, measured as they arrive, and from
/// each column's longest value (by UTF-8 length, the first `longestKept` bytes kept), measured at `finish`: a later
/// row with a longer number (1000 after 999) still fits on one line.
public final class PDFRenderer: ReportRenderer {
    public enum Orientation: String, Sendable, Codable, CaseIterable {
        /// Landscape when there are more than `autoLandscapeColumns` columns.
        case portrait, landscape, auto
    }

    public struct Options: Sendable, Equatable {
        public var orientation: Orientation
        public init(orientation: Orientation = .auto) { self.orientation = orientation }
    }

    public let format = "pdf"
    static let autoLandscapeColumns = 6
    /// About two pages of rows: enough to see what the columns hold, bounded however long the result.
    static let sampleRows = 100
    static let longestKept = 200

    let file: OutputFile
    let spool: RowSpool
    let context: ReportContext
    let orientation: Orientation
    private var document: PDFReportDocument?
    private var naturalWidths: [Double] = []
    private var sampledRows = 0
    private var longest: [String] = []
    private var booleans: [Int] = []
    private let writeFailure = WriteFailure()

    /// The file's first failed write, kept for `finish`: cairo only learns that a write failed, not why.
    final class WriteFailure { var error: RenderError? }

    public init(path: String, context: ReportContext, options: Options = Options()) throws {
        file = try OutputFile(path: path)
        spool = try RowSpool(path: path + ".rows")
        self.context = context
        orientation = options.orientation
    }

    public func begin(columns: [ReportColumn]) throws {
        let landscape = switch orientation {
        case .portrait: false
        case .landscape: true
        case .auto: columns.count > Self.autoLandscapeColumns
        }
        let file = self.file, failure = writeFailure
        let document = try Self.converting {
            try PDFReportDocument(context: context, columns: columns, landscape: landscape) { bytes in
                do {
                    try file.append { $0.append(contentsOf: bytes) }
                    return true
                } catch {
                    if failure.error == nil { failure.error = error as? RenderError ?? RenderError("\(error)") }
                    return false
                }
            }
        }
        naturalWidths = columns.map { document.naturalWidth(header: $0.name) }
        longest = Array(repeating: "", count: columns.count)
        booleans = columns.indices.filter { columns[$0].type == .boolean }
        self.document = document
    }

    public func append(_ row: [String?]) throws {
        guard let document else { throw RenderError("PDF: append before begin") }
        var row = row
        for index in booleans where index < row.count { row[index] = row[index].map(ColumnType.boolean.shown) }
        try spool.append(row)
        for (index, value) in row.prefix(longest.count).enumerated() {
            if let value, value.utf8.count > longest[index].utf8.count, longest[index].utf8.count < Self.longestKept {
                longest[index] = String(value.utf8.prefix(Self.longestKept)) ?? String(value.prefix(Self.longestKept / 4))
            }
        }
        guard sampledRows < Self.sampleRows else { return }
        sampledRows += 1
        for (index, value) in row.prefix(naturalWidths.count).enumerated() {
            if let value { naturalWidths[index] = max(naturalWidths[index], document.naturalWidth(cell: value)) }
        }
    }

    public func finish(truncated: Bool) throws {
        guard let document else { throw RenderError("PDF: finish before begin") }
        for (index, value) in longest.enumerated() { naturalWidths[index] = max(naturalWidths[index], document.naturalWidth(cell: value)) }
        do {
            try Self.converting { try document.setColumnWidths(natural: naturalWidths) }
            let pages = try document.layOut(spool.forEachRow, truncated: truncated, pageCount: nil)
            _ = try document.layOut(spool.forEachRow, truncated: truncated, pageCount: pages)
            try Self.converting { try document.finish() }
        } catch {
            throw writeFailure.error ?? error   // cairo says only that a write failed; the file's error says why
        }
        if let error = writeFailure.error { throw error }
        try file.close()
    }

    /// The wrapper's errors as the renderers' one error type.
    static func converting<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PangoCairoError { throw RenderError("PDF: \(error.description)") }
    }
}
