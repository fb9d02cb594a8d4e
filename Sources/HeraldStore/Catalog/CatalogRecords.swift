import Foundation
import HeraldCore
import Postgres

/// A data source as anyone but the worker sees it: the URL is write-only and never read back out of the service.
/// Creators see only `id` and `name` (to pick one for a report); the limits are filled in for admins.
public struct DataSource: Sendable, Equatable, Codable {
    public let id: UUID
    public let name: String
    public let statementTimeoutMs: Int?
    public let maxConcurrency: Int?
}

/// What an admin sends to make or change a data source. On a change a nil field keeps what is stored (the URL
/// included: it is never shown, so a blank one means "keep").
public struct DataSourceInput: Sendable, Equatable, Decodable {
    public var name: String?
    public var url: String?
    public var statementTimeoutMs: Int?
    public var maxConcurrency: Int?

    public init(name: String? = nil, url: String? = nil, statementTimeoutMs: Int? = nil, maxConcurrency: Int? = nil) {
        self.name = name
        self.url = url
        self.statementTimeoutMs = statementTimeoutMs
        self.maxConcurrency = maxConcurrency
    }
}

/// The outcome of "test connection": what failed, in words that name neither the URL nor its password.
public struct DataSourceTestResult: Sendable, Equatable, Codable {
    public let ok: Bool
    public let message: String
    public let elapsedMs: Int
}

/// A report: a query on a data source, with a Markdown description (rendered by the web layer, safely).
public struct Report: Sendable, Equatable, Codable {
    public let id: UUID
    public let name: String
    public let dataSourceID: UUID
    public let dataSourceName: String
    public let sql: String
    public let descriptionMd: String
    /// The parameters its SQL uses as `:name`, in the order the editor lists them.
    public let parameters: [ReportParameter]
    /// Raised by every change of the SQL or the parameters; each run records the version it ran.
    public let version: Int
    public let maxDurationSeconds: Int
    /// A result longer than this stops there and the run is marked truncated.
    public let rowLimit: Int
    public let ownerID: UUID?
    public let createdAt: Date
    public let updatedAt: Date
}

/// What a creator sends to make or change a report; on a change a nil field keeps what is stored.
public struct ReportInput: Sendable, Equatable, Decodable {
    public var name: String?
    public var dataSourceID: UUID?
    public var sql: String?
    public var descriptionMd: String?
    public var maxDurationSeconds: Int?
    public var rowLimit: Int?
    public var parameters: [ReportParameter]?

    public init(name: String? = nil, dataSourceID: UUID? = nil, sql: String? = nil, descriptionMd: String? = nil,
                maxDurationSeconds: Int? = nil, rowLimit: Int? = nil, parameters: [ReportParameter]? = nil) {
        self.rowLimit = rowLimit
        self.parameters = parameters
        self.name = name
        self.dataSourceID = dataSourceID
        self.sql = sql
        self.descriptionMd = descriptionMd
        self.maxDurationSeconds = maxDurationSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, dataSourceID = "dataSourceId", sql, descriptionMd, maxDurationSeconds, rowLimit, parameters
    }
}

/// A destination. Today only the folder kind, whose settings are `{"path": "<sub-folder under the delivery root>"}`.
public struct Destination: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let kind: String
    /// The folder's sub-folder as stored (rows from before the delivery root may hold an absolute path: shown, and
    /// refused when delivering).
    public let path: String
    /// The kind's settings, a JSON object (never a secret).
    public let settingsJSON: String
    /// Which secrets are set (their values are never read back).
    public let secretFields: [String]
    public let ownerID: UUID?
    public let createdAt: Date
    public let updatedAt: Date

    public var secretSet: Bool { !secretFields.isEmpty }
}

/// What a creator sends to make or change a destination; on a change a nil field keeps what is stored.
public struct DestinationInput: Sendable, Equatable {
    public var name: String?
    public var kind: String?
    /// A folder's sub-folder (the form's field): the same as the setting `path`.
    public var path: String?
    /// Settings as a JSON object; on a change its keys replace the stored ones and a null removes one.
    public var settingsJSON: String?
    /// Secret values by field name: "" keeps the stored value (a form left blank), nil removes it.
    public var secrets: [String: String?]

    public init(name: String? = nil, kind: String? = nil, path: String? = nil, settingsJSON: String? = nil, secrets: [String: String?] = [:]) {
        self.name = name
        self.kind = kind
        self.path = path
        self.settingsJSON = settingsJSON
        self.secrets = secrets
    }

    /// Sets one setting, keeping the others given.
    mutating func setSetting(_ key: String, _ value: String) {
        var object = (try? DestinationJSON.object(settingsJSON ?? "{}")) ?? [:]
        object[key] = value
        settingsJSON = try? DestinationJSON.text(object)
    }
}

/// One page of a keyset list: the items and, when there may be more, the sort key of the last one.
public struct CatalogPage<Item: Sendable>: Sendable {
    public let items: [Item]
    /// `[name, id]` of the last item, for the next page's cursor; nil on the last page.
    public let nextAfter: [String]?
}

/// Names are 1 to 200 characters, trimmed.
func validatedName(_ raw: String?, field: String = "name", into errors: inout [ValidationError]) -> String? {
    let trimmed = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.isEmpty { errors.append(ValidationError(field: field, message: "enter a name")); return nil }
    if trimmed.count > 200 { errors.append(ValidationError(field: field, message: "must be 200 characters or fewer")); return nil }
    if trimmed.unicodeScalars.contains(where: { $0.value < 0x20 }) {
        errors.append(ValidationError(field: field, message: "must be one line without control characters")); return nil
    }
    return trimmed
}

/// A transaction, or the caller's when one is open (the CLI makes a destination and its schedule in one).
func atomically<T>(_ connection: PostgresConnection, _ body: () throws -> T) throws -> T {
    connection.inTransaction ? try body() : try connection.transaction(body)
}

/// One kept version of a report's SQL and parameters (`report_versions`): what runs of that version queried.
public struct ReportVersion: Sendable, Equatable {
    public let version: Int
    public let sql: String
    public let parameters: [ReportParameter]
    /// The e-mail of who saved it; nil for the CLI or a deleted user.
    public let createdBy: String?
    public let createdAt: Date
}
