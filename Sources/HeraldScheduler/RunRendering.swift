import Crypto
import Foundation
import HeraldCore
import HeraldRender
import HeraldStore
import Postgres

/// Every format a run delivers, rendered at once from its one query: each row is handed to every renderer as it
/// arrives, each writing its own file under the data directory (`artifacts/YYYY/MM/DD/<execution>-<token>.<format>`),
/// so memory does not grow with the result. The paths are this attempt's own: a file is recorded only while the
/// lease holds, and `discard` removes what a failed or overtaken attempt wrote. The same rows feed the schedule's
/// delivery condition and the result's digest (for `if_changed`), so deciding whether to deliver costs no second query.
final class RunRendering {
    let dataDirectory: String
    /// `artifacts/…/<execution>-<token>`, relative to the data directory; each format adds its extension.
    let base: String
    let formats: [String]
    let options: ExportOptions
    let context: ReportContext
    private var renderers: [any ReportRenderer] = []
    private var begun = false
    private(set) var condition: DeliveryConditionCheck
    private var digest = ResultDigest()
    /// The column names and the first rows as text, for an email's table (`include_rows`).
    private(set) var previewColumns: [String] = []
    private(set) var previewRows: [[String]] = []
    static let previewLimit = 20

    init(formats: [String], options: ExportOptions, condition: DeliveryCondition, context: ReportContext, dataDirectory: String,
         base: String) throws {
        self.condition = DeliveryConditionCheck(condition)
        self.formats = formats
        self.options = options
        self.context = context
        self.dataDirectory = dataDirectory
        self.base = base
        let folder = ((dataDirectory + "/" + base) as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    func relativePath(_ format: String) -> String { base + "." + format }

    /// Makes the renderers once the result's columns are known (a query that fails first leaves no file).
    func begin(columns: [PostgresColumn]) throws {
        begun = true
        try condition.begin(columns: columns.map(\.name))
        digest.begin(columns: columns.map(\.name))
        previewColumns = columns.map(\.name)
        let columns = columns.map { ReportColumn(name: $0.name, type: ColumnType(postgresOID: $0.typeOID)) }
        for format in formats {
            let path = dataDirectory + "/" + relativePath(format)
            let renderer: any ReportRenderer
            switch format {
            case "csv":
                renderer = try CSVRenderer(path: path, options: CSVRenderer.Options(
                    delimiter: CSVRenderer.Delimiter(rawValue: options.csvDelimiter) ?? .comma, byteOrderMark: options.csvByteOrderMark))
            case "xlsx": renderer = try XLSXRenderer(path: path, context: context)
            case "pdf":
                renderer = try PDFRenderer(path: path, context: context, options: PDFRenderer.Options(
                    orientation: PDFRenderer.Orientation(rawValue: options.pdfOrientation) ?? .auto))
            case "html": renderer = try HTMLRenderer(path: path, context: context)
            case "json": renderer = try JSONRenderer(path: path)
            default: throw RenderError("\(format) is not a format Herald renders")
            }
            renderers.append(renderer)
            try renderer.begin(columns: columns)
        }
    }

    func append(_ row: [String?]) throws {
        try condition.append(row)
        digest.append(row)
        if previewRows.count < Self.previewLimit { previewRows.append(row.map { $0 ?? "" }) }
        for renderer in renderers { try renderer.append(row) }
    }

    /// The digest of the columns and rows seen (call once, after the last row).
    func resultDigest() -> [UInt8] {
        if !begun { digest.begin(columns: []) }
        return digest.finalize()
    }

    /// One zip archive of the finished files (`zip` in the schedule's options), kept beside them.
    func zipped(_ kept: [KeptArtifact], entryName: (String) throws -> String, reportName: String) throws -> KeptArtifact {
        let relative = relativePath("zip")
        let path = dataDirectory + "/" + relative
        let archive = try ZipArchive(path: path)
        for artifact in kept { try archive.add(fileAt: dataDirectory + "/" + artifact.storagePath, name: try entryName(artifact.format)) }
        try archive.finish()
        return KeptArtifact(format: "zip", fileName: "\(reportName).zip", storagePath: relative, byteCount: try Self.size(path, relative),
                            sha256Hex: Hex.encode(try Digest.sha256(contentsOf: path)))
    }

    /// Completes every file and describes each for the `artifacts` row (size, SHA-256 read back from disk).
    func finish(truncated: Bool, reportName: String) throws -> [KeptArtifact] {
        if !begun { try begin(columns: []) }
        var kept: [KeptArtifact] = []
        for (format, renderer) in zip(formats, renderers) {
            try renderer.finish(truncated: truncated)
            let relative = relativePath(format)
            let path = dataDirectory + "/" + relative
            kept.append(KeptArtifact(format: format, fileName: "\(reportName).\(format)", storagePath: relative, byteCount: try Self.size(path, relative),
                                     sha256Hex: Hex.encode(try Digest.sha256(contentsOf: path))))
        }
        return kept
    }

    /// A file's size by stat(2), not FileManager's attributes (which also look up its owner's and group's names).
    private static func size(_ path: String, _ relative: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw RenderError("cannot read \(relative): \(String(cString: strerror(errno)))") }
        return Int(info.st_size)
    }

    /// Removes whatever this attempt wrote.
    func discard() {
        renderers.removeAll()
        for format in formats + ["zip"] { unlink(dataDirectory + "/" + relativePath(format)) }
    }
}
