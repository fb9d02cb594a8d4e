import Foundation
import HeraldCore

/// A rendered report file, ready to deliver: the run's kept artifact on disk (never held in memory whole).
public struct RenderedFile: Sendable {
    /// An absolute path.
    public let path: String
    /// `csv`, `xlsx`, `pdf`, `html`, `json` or `zip`: the extension of the delivered name.
    public let format: String

    public init(path: String, format: String) {
        self.path = path
        self.format = format
    }
}

/// What a channel may use to name, place and describe a run's files.
public struct DeliveryContext: Sendable {
    public let reportName: String
    /// The schedule's name ("" for a run without a schedule: `{schedule_name}` then reads as the report's).
    public let scheduleName: String
    /// The slot in the schedule's zone, `YYYY-MM-DD HH:MM:SS`.
    public let localDateTime: String
    public let executionID: UUID
    /// The slot in UTC, ISO 8601 (webhook summaries).
    public var scheduledFor: String = ""
    public var scheduleID: UUID?
    public var rowCount: Int?
    public var truncated = false
    /// The same on every retry of one delivery (`execution:destination:recipient`): a webhook's `Idempotency-Key`.
    public var deliveryKey = ""
    /// Signed, expiring download links of the run's files, by format (`csv` → URL).
    public var links: [String: String] = [:]
    /// The result's column names and its first rows as text (an email's table).
    public var columns: [String] = []
    public var firstRows: [[String]] = []
    /// The run's files' names as delivered (the file name pattern applied), by format.
    public var fileNames: [String: String] = [:]
    /// More `{name}` placeholders for an email's subject and body (an owner alert's `{alert_error}`), escaped like the
    /// run's own; a run's own placeholder of the same name wins.
    public var placeholders: [String: String] = [:]

    public init(reportName: String, scheduleName: String = "", localDateTime: String, executionID: UUID) {
        self.reportName = reportName
        self.scheduleName = scheduleName
        self.localDateTime = localDateTime
        self.executionID = executionID
    }
}

/// One way of delivering a run's files: a folder, email, SFTP/FTP, object storage, a webhook.
public protocol DeliveryChannel: Sendable {
    /// What the circuit breaker counts failures against: the server, or for a folder its root.
    var breakerHost: String { get }
    /// Delivers a run's files (one per format) and says where they went (paths, a message id, URLs), for the history.
    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String
    /// Connects and checks what a delivery needs (address allowed, login, the folder writable), leaving nothing
    /// behind; says what was checked. A failure is a `DeliveryError` naming the failing step, never a secret.
    func testConnection() throws -> String
}

/// A channel with several recipients per destination, each its own delivery row: one send reaches those still due,
/// and each recipient's outcome is recorded apart (a refused address fails alone).
public protocol PerRecipientChannel: DeliveryChannel {
    /// Every address this destination sends to, in the order rows are made.
    var recipients: [String] { get }
    /// Sends to `recipients` (a subset of `self.recipients`); one outcome per recipient, nil error when it was accepted.
    func deliver(_ files: [RenderedFile], context: DeliveryContext, to recipients: [String]) throws -> [RecipientOutcome]
}

public struct RecipientOutcome: Sendable {
    public let recipient: String
    /// nil: accepted; `detail` says where (the message id).
    public let error: DeliveryError?
    public let detail: String

    public init(recipient: String, error: DeliveryError?, detail: String) {
        self.recipient = recipient
        self.error = error
        self.detail = detail
    }
}

/// Builds the channel for a `destinations` row (its settings, and its secrets unsealed). A folder's `path` is relative
/// to `deliveryRoot`; a stored path that is absolute or climbs out (rows made before that rule) is refused for good.
public enum DeliveryChannels {
    public static func make(kind: String, settingsJSON: String, secretsJSON: String = "{}", environment: ChannelEnvironment) throws -> any DeliveryChannel {
        guard let known = DestinationKind(rawValue: kind) else {
            throw DeliveryError("the \(kind) channel is not available in this version", permanent: true)
        }
        do {
            switch known {
            case .folder: return try folder(settingsJSON: settingsJSON, deliveryRoot: environment.deliveryRoot)
            case .email: return try EmailChannel.make(settingsJSON: settingsJSON, secretsJSON: secretsJSON, environment: environment)
            case .webhook: return try WebhookChannel.make(settingsJSON: settingsJSON, secretsJSON: secretsJSON, environment: environment)
            case .s3, .gcs: return try ObjectStorageChannel.make(kind: known, settingsJSON: settingsJSON, secretsJSON: secretsJSON, environment: environment)
            case .azure: return try AzureBlobChannel.make(settingsJSON: settingsJSON, secretsJSON: secretsJSON, environment: environment)
            case .sftp: return try SFTPChannel.make(settingsJSON: settingsJSON, secretsJSON: secretsJSON, environment: environment)
            case .ftp: return try FTPChannel.make(settingsJSON: settingsJSON, secretsJSON: secretsJSON, environment: environment)
            }
        } catch let error as DecodingError {
            throw DeliveryError("the \(kind) destination's settings are incomplete (\(Self.field(error))); edit the destination", permanent: true)
        }
    }

    static func decode<D: DestinationDefinition>(_ type: D.Type, _ settingsJSON: String, _ secretsJSON: String) throws -> (D.Settings, D.Secrets) {
        let (settings, secrets) = try DestinationDefinitions.decode(type, settingsJSON: settingsJSON, secretsJSON: secretsJSON)
        if let error = D.validate(settings, secrets: secrets).first {
            throw DeliveryError("the destination's \(error.field) \(error.message); edit the destination", permanent: true)
        }
        return (settings, secrets)
    }

    private static func field(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.codingPath.map(\.stringValue).joined(separator: ".") + " is not valid"
        @unknown default: return "not valid"
        }
    }

    private static func folder(settingsJSON: String, deliveryRoot: String) throws -> any DeliveryChannel {
        struct Settings: Decodable { let path: String; let filename: String?; let naming: LocalFolderChannel.Naming? }
        guard let settings = try? JSONDecoder().decode(Settings.self, from: Data(settingsJSON.utf8)) else {
            throw DeliveryError("the folder destination's settings are incomplete", permanent: true)
        }
        let subfolder: String
        do { subfolder = try DeliverySubfolder.normalize(settings.path) } catch {
            throw DeliveryError("the folder destination's path \(error.message); edit the destination", permanent: true)
        }
        return FolderDelivery(
            folder: try LocalFolderChannel(root: deliveryRoot, subfolder: subfolder, naming: settings.naming ?? .overwrite),
            pattern: try FileNamePattern(settings.filename ?? "{report_name}_{date}_{time}.{format}"))
    }
}

/// The local-folder channel behind the `DeliveryChannel` interface: dated sub-folders, the file name pattern.
struct FolderDelivery: DeliveryChannel {
    let folder: LocalFolderChannel
    let pattern: FileNamePattern

    var breakerHost: String { "folder:" + folder.root }

    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        let date = context.localDateTime.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard date.count == 3 else { throw DeliveryError("bad slot date \(context.localDateTime)", permanent: true) }
        var paths: [String] = []
        for file in files {
            let name = pattern.fileName(reportName: context.reportName, scheduleName: context.scheduleName, localDateTime: context.localDateTime, format: file.format,
                                        executionID: context.executionID.uuidString.lowercased())
            paths.append(try folder.deliver(fileAt: file.path, fileName: name, localDate: (date[0], date[1], date[2]),
                                            stamp: String(context.localDateTime.filter(\.isNumber).prefix(14))))
        }
        return paths.joined(separator: "\n")
    }

    /// The root exists and a file can be created (and removed) in it.
    func testConnection() throws -> String {
        let probe = folder.root + "/.herald-test-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: probe, contents: nil) else {
            throw DeliveryError("write: cannot create a file in the delivery root \(folder.root)", category: "permission")
        }
        unlink(probe)
        return "the delivery root \(folder.root) is writable"
    }
}
