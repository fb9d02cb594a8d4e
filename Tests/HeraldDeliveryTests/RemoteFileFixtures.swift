import Crypto
import Foundation
import HeraldCore
import HeraldDelivery

/// What the SFTP and FTP channel tests share: source files with random bytes, a run's context, settings as JSON,
/// and what is on the servers' disks.
enum RemoteFileFixtures {
    /// A fresh temporary folder for a test's source files (the test removes it when it ends).
    static func sourceFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "herald-remote-src-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A file of `size` random bytes in `folder`, and its SHA-256.
    static func sourceFile(in folder: String, format: String, size: Int = 150_000) throws -> (file: RenderedFile, sha256: [UInt8]) {
        let path = folder + "/artifact-\(UUID().uuidString.prefix(8)).\(format)"
        let bytes = SecureRandom.bytes(size)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (RenderedFile(path: path, format: format), Digest.sha256(bytes))
    }

    static func context(report: String = "Sales", schedule: String = "Daily", slot: String = "2026-11-23 07:00:00") -> DeliveryContext {
        DeliveryContext(reportName: report, scheduleName: schedule, localDateTime: slot, executionID: UUID())
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Every entry under `folder` (relative paths, folders included), sorted; empty when it does not exist.
    static func tree(_ folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        return walker.compactMap { $0 as? String }.sorted()
    }

    /// Names in the tree that a temporary upload would have (hidden, or ending in `.herald-part`).
    static func temporaryNames(_ folder: String) -> [String] {
        tree(folder).filter { path in
            let name = (path as NSString).lastPathComponent
            return name.hasPrefix(".") || name.hasSuffix(".herald-part")
        }
    }

    static func sha256(_ path: String) throws -> [UInt8] { try Digest.sha256(contentsOf: path) }

    static func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }
}

/// Collects what `ChannelEnvironment.hostKeyLearned` is given (it is called on the channel's thread).
final class LearnedKeys: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String] = []

    func record(_ key: String) { lock.withLock { keys.append(key) } }
    var all: [String] { lock.withLock { keys } }
}
