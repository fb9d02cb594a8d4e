import Crypto
import Foundation
import HeraldCore

/// What SFTP and FTP deliveries share: where each file goes (the base folder and the path pattern, each variable a
/// safe segment, so a report called `../../etc` stays under the base), the temporary name it is uploaded under, and
/// what happens when the name is taken (`if_exists`). A failed upload or rename removes its temporary file.
struct RemoteFilePlacement: Sendable {
    static let defaultPattern = "{report_name}_{date}_{time}.{format}"

    let base: String
    let pattern: RemotePathPattern
    let ifExists: IfExists

    init(_ settings: some RemoteFileSettings) throws {
        do {
            base = try RemoteBase.normalize(settings.path ?? "", field: "settings.path")
            pattern = try RemotePathPattern(settings.filename ?? Self.defaultPattern, field: "settings.filename")
        } catch {
            throw DeliveryError("the destination's \(error.field) \(error.message); edit the destination", permanent: true)
        }
        ifExists = settings.ifExists ?? .overwrite
    }

    /// The base folder itself (a connection test's target).
    var baseFolder: RemoteFilePath { RemoteFilePath(base: base, folders: [], name: "") }

    /// Where `file` goes before `if_exists` is applied.
    func target(for file: RenderedFile, context: DeliveryContext) -> RemoteFilePath {
        let segments = pattern.segments(reportName: context.reportName, scheduleName: context.scheduleName,
                                        localDateTime: context.localDateTime, format: file.format,
                                        executionID: context.executionID.uuidString.lowercased())
        return RemoteFilePath(base: base, folders: Array(segments.dropLast()), name: segments.last ?? "report")
    }

    /// Puts every file in place and returns their final paths, one per line.
    func deliver(_ files: [RenderedFile], context: DeliveryContext, through server: some RemoteFileServer) throws -> String {
        var delivered: [String] = []
        for file in files {
            var final = target(for: file, context: context)
            // Only `overwrite` replaces the name the pattern gives; a stamped name is the slot's own (a retry's).
            var replace = ifExists == .overwrite
            if ifExists != .overwrite, try server.exists(final) {
                guard ifExists == .timestamp else {
                    throw DeliveryError("exists: \(final.display)", permanent: true, category: "remote rejected")
                }
                final = final.named(Self.stamped(final.name, slot: context.localDateTime))
                replace = true
            }
            let temporary = final.named(Self.temporaryName(for: final.name))
            do {
                try server.upload(fileAt: file.path, as: temporary, renamingTo: final, replace: replace)
            } catch let error as DeliveryError {
                if Self.mayHaveWritten(error) { server.removeQuietly(temporary) }
                throw error
            }
            delivered.append(final.display)
        }
        return delivered.joined(separator: "\n")
    }

    /// The base folder is there, and a file can be uploaded, renamed and deleted in it; nothing is left behind.
    func testConnection(through server: some RemoteFileServer) throws -> String {
        let folder = baseFolder
        try server.checkFolder(folder)
        let probe = ".herald-test-" + Hex.encode(SecureRandom.bytes(8))
        let temporary = folder.named(probe + ".herald-part")
        do {
            try server.probe(as: temporary, renamingTo: folder.named(probe))
        } catch let error as DeliveryError {
            if Self.mayHaveWritten(error) {
                server.removeQuietly(temporary)
                server.removeQuietly(folder.named(probe))
            }
            throw error
        }
        return folder.folderDisplay.isEmpty ? "the login's home folder is writable" : "the folder \(folder.folderDisplay) is writable"
    }

    /// `Sales.csv` → `.Sales.csv.1f2e3d4c.herald-part`: hidden, unique per attempt, and never a name a pattern makes
    /// (a pattern's names do not start with a dot).
    static func temporaryName(for name: String) -> String {
        "." + String(name.prefix(150)) + "." + Hex.encode(SecureRandom.bytes(4)) + ".herald-part"
    }

    /// `Sales.csv` → `Sales_20261123070000.csv` (the slot's local time, as the local folder channel does).
    static func stamped(_ name: String, slot: String) -> String {
        let digits = String((slot.filter(\.isNumber) + String(repeating: "0", count: 14)).prefix(14))
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "\(name)_\(digits)" }
        return "\(name[..<dot])_\(digits)\(name[dot...])"
    }

    /// Whether a failure may have left a temporary file: not when the connection or the login never happened.
    static func mayHaveWritten(_ error: DeliveryError) -> Bool {
        !["dns", "blocked", "auth", "host key"].contains(error.category ?? "")
    }
}
