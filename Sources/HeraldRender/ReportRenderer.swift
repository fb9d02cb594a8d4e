/// The kind of value a result column holds, from the PostgreSQL type of the column: what a renderer needs to write a
/// typed cell (a number right-aligned in a PDF, a date cell in XLSX, a JSON number) instead of text.
public enum ColumnType: String, Sendable, Equatable, Codable {
    case text, integer, number, boolean, date, timestamp, timestamptz

    /// PostgreSQL's built-in type OIDs (`pg_type.oid`, stable across versions); anything else is text.
    public init(postgresOID oid: UInt32) {
        switch oid {
        case 20, 21, 23, 26: self = .integer          // int8, int2, int4, oid
        case 700, 701, 1700, 790: self = .number      // float4, float8, numeric, money
        case 16: self = .boolean
        case 1082: self = .date
        case 1114: self = .timestamp
        case 1184: self = .timestamptz
        default: self = .text
        }
    }
}

/// A column of a report's result.
extension ColumnType {
    /// How a person reads a value in a page (HTML, PDF): PostgreSQL's `t` and `f` as `true` and `false`. CSV keeps
    /// PostgreSQL's text, as its own `COPY … CSV` writes it.
    func shown(_ value: String) -> String {
        guard self == .boolean else { return value }
        return value == "t" ? "true" : value == "f" ? "false" : value
    }
}

public struct ReportColumn: Sendable, Equatable {
    public let name: String
    public let type: ColumnType
    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// What every format is told about the run it renders: for a PDF's title block, an XLSX "About" sheet, a footer.
public struct ReportContext: Sendable, Equatable {
    public let reportName: String
    /// The report's description in Markdown (renderers that show it convert it safely; others ignore it).
    public let descriptionMarkdown: String
    /// The resolved parameter values, in declaration order, as shown to people.
    public let parameters: [Parameter]
    /// The run's logical time (its slot) in the schedule's zone, `YYYY-MM-DD HH:MM:SS`.
    public let logicalTime: String
    /// When the file was made, in the schedule's zone, `YYYY-MM-DD HH:MM:SS`.
    public let generatedAt: String
    /// The schedule's zone, such as `Europe/Berlin`.
    public let timeZone: String

    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(reportName: String, descriptionMarkdown: String = "", parameters: [Parameter] = [], logicalTime: String,
                generatedAt: String, timeZone: String) {
        self.reportName = reportName
        self.descriptionMarkdown = descriptionMarkdown
        self.parameters = parameters
        self.logicalTime = logicalTime
        self.generatedAt = generatedAt
        self.timeZone = timeZone
    }
}

/// One output format, fed the rows of one query as they arrive, so that memory does not grow with the result: every
/// format of a run is fed from the same stream. A renderer writes its file at the path it was made with, and only
/// there; `finish` completes it (a file that was never finished must not be delivered: the caller removes it).
///
/// Values are PostgreSQL's text form (`t`/`f`, `2026-11-23`, `2026-11-23 07:00:00+01`, `1234.50`), `nil` for NULL;
/// a renderer parses them by the column's type.
public protocol ReportRenderer: AnyObject {
    /// `csv`, `xlsx`, `pdf`, `html`, `json`.
    var format: String { get }
    func begin(columns: [ReportColumn]) throws
    func append(_ row: [String?]) throws
    /// `truncated`: the result reached the report's row limit, which the file says visibly (a footer, a sheet note, a flag).
    func finish(truncated: Bool) throws
}

/// A renderer failed (a C library's error, a file that cannot be written); the message names no data.
public struct RenderError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
