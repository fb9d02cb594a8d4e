import Foundation
import HeraldCore

/// Delivers a file into `root/subfolder/YYYY/MM/DD/`. The file is written under a temporary name in the same folder and renamed
/// into place, so a reader never sees a partial file. Every path is kept under `root`: sub-folders that are
/// symbolic links, and names that would escape, are refused.
public struct LocalFolderChannel: Sendable {
    public enum Naming: String, Sendable, Codable {
        /// Replace a file of the same name.
        case overwrite
        /// Keep the old file; add a timestamp to the new name.
        case timestamp
    }

    public let root: String
    /// The destination's folder under `root` (already checked by `DeliverySubfolder`), created like the dated ones.
    public let subfolder: String
    public let naming: Naming

    public init(root: String, subfolder: String = "", naming: Naming = .overwrite) throws(ValidationError) {
        guard root.hasPrefix("/") else { throw ValidationError(field: "folder", message: "must be an absolute path") }
        self.root = (root as NSString).standardizingPath
        self.subfolder = subfolder.isEmpty ? "" : try DeliverySubfolder.normalize(subfolder)
        self.naming = naming
    }

    /// Writes `bytes` as `fileName` in the slot's dated folder and returns the final path.
    public func deliver(_ bytes: [UInt8], fileName: String, localDate: (year: Int, month: Int, day: Int), stamp: String) throws -> String {
        let final = try placement(fileName: fileName, localDate: localDate, stamp: stamp)
        try AtomicFile.write(bytes, to: final)
        return final
    }

    /// Copies the file at `source` as `fileName` into the slot's dated folder and returns the final path.
    public func deliver(fileAt source: String, fileName: String, localDate: (year: Int, month: Int, day: Int), stamp: String) throws -> String {
        let final = try placement(fileName: fileName, localDate: localDate, stamp: stamp)
        try AtomicFile.copy(from: source, to: final)
        return final
    }

    /// Where `fileName` goes: the dated folder (made if needed), and a stamped name when the naming keeps old files.
    func placement(fileName: String, localDate: (year: Int, month: Int, day: Int), stamp: String) throws -> String {
        guard !fileName.isEmpty, !fileName.contains("/"), fileName != ".", fileName != "..", !fileName.hasPrefix(".") else {
            throw DeliveryError("the file name \(fileName.prefix(80)) is not allowed")
        }
        let dated = String(format: "%04d/%02d/%02d", localDate.year, localDate.month, localDate.day)
        let folder = try makeContainedFolder(subfolder.isEmpty ? dated : subfolder + "/" + dated)
        var name = fileName
        if naming == .timestamp, FileManager.default.fileExists(atPath: folder + "/" + name) {
            let ext = (name as NSString).pathExtension
            let stem = (name as NSString).deletingPathExtension
            name = ext.isEmpty ? "\(stem)_\(stamp)" : "\(stem)_\(stamp).\(ext)"
        }
        return folder + "/" + name
    }

    /// Creates `root/relative` one component at a time, refusing symbolic links and anything outside `root`.
    func makeContainedFolder(_ relative: String) throws -> String {
        var path = root
        try ensureDirectory(path)
        for component in relative.split(separator: "/") {
            guard component != "..", component != "." else { throw DeliveryError("the folder escapes \(root)") }
            path += "/" + component
            try ensureDirectory(path)
        }
        return path
    }

    func ensureDirectory(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw DeliveryError("\(path) is not a plain folder (a symbolic link or a file); refusing to deliver through it")
            }
            return
        }
        guard mkdir(path, 0o750) == 0 || errno == EEXIST else {
            throw DeliveryError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw DeliveryError("\(path) is not a plain folder; refusing to deliver through it")
        }
    }
}

/// A delivery failed; the message is safe to store and show (no credentials).
