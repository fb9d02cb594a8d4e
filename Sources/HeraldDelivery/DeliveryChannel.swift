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

/// What a channel may use to name and place a file.
public struct DeliveryContext: Sendable {
    public let reportName: String
    /// The schedule's name ("" for a run without a schedule: `{schedule_name}` then reads as the report's).
    public let scheduleName: String
    /// The slot in the schedule's zone, `YYYY-MM-DD HH:MM:SS`.
    public let localDateTime: String
    public let executionID: UUID

    public init(reportName: String, scheduleName: String = "", localDateTime: String, executionID: UUID) {
        self.reportName = reportName
        self.scheduleName = scheduleName
        self.localDateTime = localDateTime
        self.executionID = executionID
    }
}

/// One way of delivering a file (a folder now; email, SFTP/FTP, object storage and webhooks in their issues).
public protocol DeliveryChannel: Sendable {
    /// What the circuit breaker counts failures against: the server, or for a folder its root.
    var breakerHost: String { get }
    /// Delivers a run's files (one per format) and says where they went (paths, a message id, URLs), for the history.
    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String
}

/// Builds the channel for a `destinations` row. A folder's `path` is relative to `deliveryRoot`; a stored path that
/// is absolute or climbs out (rows made before that rule) is refused for good, never written to.
public enum DeliveryChannels {
    public static func make(kind: String, settingsJSON: String, deliveryRoot: String) throws -> any DeliveryChannel {
        switch kind {
        case "folder":
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
        default:
            throw DeliveryError("the \(kind) channel is not available in this version", permanent: true)
        }
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
}
