import Foundation
import HeraldCore
import HeraldRender
import HeraldStore

/// A preview in the API, shaped like the JSON export (`{"columns":[{"name","type"}],"rows":[[...]],"truncated"}`):
/// the same column types, numbers and booleans as JSON values, NULL as null.
struct ReportPreviewJSON: Encodable {
    struct Column: Encodable { let name: String; let type: String }

    /// One value, typed by its column as the JSON export types it.
    enum Cell: Encodable {
        case null, text(String), raw(Double), integer(Int64), boolean(Bool)

        init(_ value: String?, _ type: ColumnType) {
            guard let value else { self = .null; return }
            switch type {
            case .integer: self = Int64(value).map(Cell.integer) ?? .text(value)
            case .number where JSONText.isNumber(value): self = Double(value).map(Cell.raw) ?? .text(value)
            case .boolean where value == "t" || value == "f": self = .boolean(value == "t")
            default: self = .text(value)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .text(let text): try container.encode(text)
            case .raw(let number): try container.encode(number)
            case .integer(let number): try container.encode(number)
            case .boolean(let flag): try container.encode(flag)
            }
        }
    }

    let columns: [Column]
    let rows: [[Cell]]
    let truncated: Bool

    init(_ preview: ReportPreview) {
        let types = preview.columns.map { ColumnType(postgresOID: $0.typeOID) }
        columns = zip(preview.columns, types).map { Column(name: $0.name, type: $1.rawValue) }
        rows = preview.rows.map { row in row.enumerated().map { Cell($1, $0 < types.count ? types[$0] : .text) } }
        truncated = preview.truncated
    }
}

/// A kept version in the API.
struct ReportVersionJSON: Encodable {
    let version: Int
    let sql: String
    let parameters: [ReportParameter]
    let createdBy: String?
    let createdAt: Date

    init(_ version: ReportVersion) {
        self.version = version.version
        sql = version.sql
        parameters = version.parameters
        createdBy = version.createdBy
        createdAt = version.createdAt
    }
}
