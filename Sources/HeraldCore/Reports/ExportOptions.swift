/// How a schedule's files are made: the CSV's delimiter and byte-order mark (Excel wants one to read UTF-8), the
/// PDF's orientation (automatic by column count unless chosen), and whether a run's files go out as one zip archive.
public struct ExportOptions: Codable, Equatable, Sendable {
    public var csvDelimiter: String
    public var csvByteOrderMark: Bool
    public var pdfOrientation: String
    public var zip: Bool

    public static let csvDelimiters = ["comma", "semicolon", "tab"]
    public static let pdfOrientations = ["auto", "portrait", "landscape"]

    public init(csvDelimiter: String = "comma", csvByteOrderMark: Bool = false, pdfOrientation: String = "auto", zip: Bool = false) {
        self.csvDelimiter = csvDelimiter
        self.csvByteOrderMark = csvByteOrderMark
        self.pdfOrientation = pdfOrientation
        self.zip = zip
    }

    enum CodingKeys: String, CodingKey {
        case csvDelimiter = "csv_delimiter", csvByteOrderMark = "csv_bom", pdfOrientation = "pdf_orientation", zip
    }

    /// Every key may be left out (`{}` is the defaults), so older rows and short API bodies read as defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ExportOptions()
        csvDelimiter = try c.decodeIfPresent(String.self, forKey: .csvDelimiter) ?? d.csvDelimiter
        csvByteOrderMark = try c.decodeIfPresent(Bool.self, forKey: .csvByteOrderMark) ?? d.csvByteOrderMark
        pdfOrientation = try c.decodeIfPresent(String.self, forKey: .pdfOrientation) ?? d.pdfOrientation
        zip = try c.decodeIfPresent(Bool.self, forKey: .zip) ?? d.zip
    }

    public func validate() -> [ValidationError] {
        var errors: [ValidationError] = []
        if !Self.csvDelimiters.contains(csvDelimiter) {
            errors.append(ValidationError(field: "export_options.csv_delimiter", message: "must be comma, semicolon or tab"))
        }
        if !Self.pdfOrientations.contains(pdfOrientation) {
            errors.append(ValidationError(field: "export_options.pdf_orientation", message: "must be auto, portrait or landscape"))
        }
        return errors
    }
}
