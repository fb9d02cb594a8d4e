import Foundation
import HeraldStore
import Postgres

extension Doctor {
    /// A file without a row younger than this is not judged: a rendering may still be writing it.
    static let inFlightGrace: TimeInterval = 15 * 60
    /// Files looked up in PostgreSQL per query.
    static let fileBatch = 500

    func artifactChecks(_ connection: PostgresConnection, dataDirectory: String) -> [DoctorResult] {
        let inventory = ArtifactInventory(connection: connection)
        return [recordedFilesCheck(inventory, dataDirectory: dataDirectory), unrecordedFilesCheck(inventory, dataDirectory: dataDirectory)]
    }

    /// Every row's file exists under the data folder with the size the row recorded.
    func recordedFilesCheck(_ inventory: ArtifactInventory, dataDirectory: String) -> DoctorResult {
        var rows = 0
        var problems = ItemList()
        do {
            try inventory.forEachPage { page in
                rows += page.count
                for row in page {
                    if let problem = Self.problem(with: row, dataDirectory: dataDirectory) { problems.append(problem) }
                }
            }
        } catch {
            return DoctorResult("artifact rows", .failed, "could not read the artifacts table: \(error)")
        }
        guard problems.total > 0 else {
            return DoctorResult("artifact rows", .ok, "all \(rows) rows have their file, of the recorded size")
        }
        return DoctorResult("artifact rows", .failed, "\(problems.total) of \(rows) rows have no file or one of another size",
                            items: problems.items, itemTotal: problems.total)
    }

    static func problem(with row: ArtifactInventory.RecordedFile, dataDirectory: String) -> String? {
        let named = "\(row.storagePath) (artifact \(row.id.uuidString.lowercased()))"
        if row.storagePath.hasPrefix("/") || row.storagePath.split(separator: "/").contains("..") {
            return "\(named): the path leaves the data folder"
        }
        var info = stat()
        guard lstat(dataDirectory + "/" + row.storagePath, &info) == 0 else {
            return "\(named): \(errno == ENOENT ? "missing" : String(cString: strerror(errno)))"
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return "\(named): not a regular file" }
        guard Int64(info.st_size) == row.byteCount else { return "\(named): \(info.st_size) bytes, \(row.byteCount) recorded" }
        return nil
    }

    /// Every file under `<data>/artifacts/` has a row. Young files, and files of runs still queued or running, are
    /// skipped: a rendering writes its files before its rows exist.
    func unrecordedFilesCheck(_ inventory: ArtifactInventory, dataDirectory: String) -> DoctorResult {
        let root = dataDirectory + "/artifacts"
        let youngest = Date().addingTimeInterval(-Self.inFlightGrace).timeIntervalSince1970
        var files = 0
        var inFlight = 0
        var orphans = ItemList()
        var batch: [String] = []
        func judge() throws {
            defer { batch.removeAll(keepingCapacity: true) }
            let recorded = try inventory.recordedPaths(among: batch)
            let unrecorded = batch.filter { !recorded.contains($0) }
            let running = try inventory.unfinishedExecutions(among: unrecorded.compactMap(Self.executionID))
            for path in unrecorded {
                if let id = Self.executionID(path), running.contains(id) { inFlight += 1 } else { orphans.append(path) }
            }
        }
        do {
            if let walk = FileManager.default.enumerator(atPath: root) {
                for case let relative as String in walk {
                    var info = stat()
                    guard lstat(root + "/" + relative, &info) == 0, info.st_mode & S_IFMT != S_IFDIR else { continue }
                    files += 1
                    if Double(info.st_mtim.tv_sec) > youngest { inFlight += 1; continue }
                    batch.append("artifacts/" + relative)
                    if batch.count == Self.fileBatch { try judge() }
                }
            }
            try judge()
        } catch {
            return DoctorResult("artifact files", .failed, "could not look the files up: \(error)")
        }
        let skipped = inFlight == 0 ? "" : " (\(inFlight) not judged: younger than \(Int(Self.inFlightGrace / 60)) min or of a run still queued or running, so possibly renderings in progress)"
        guard orphans.total > 0 else {
            return DoctorResult("artifact files", .ok, "all \(files - inFlight) files under \(root) have a row\(skipped)")
        }
        return DoctorResult("artifact files", .failed, "\(orphans.total) of \(files) files under \(root) have no row\(skipped)",
                            items: orphans.items, itemTotal: orphans.total)
    }

    /// `artifacts/YYYY/MM/DD/<execution>-<token>.<format>`: the run a file belongs to.
    static func executionID(_ path: String) -> UUID? {
        guard let name = path.split(separator: "/").last, name.count > 36 else { return nil }
        return UUID(uuidString: String(name.prefix(36)))
    }
}

/// The first `DoctorResult.itemLimit` items and how many there were, so a million problems cost twenty strings.
struct ItemList {
    private(set) var items: [String] = []
    private(set) var total = 0

    mutating func append(_ item: String) {
        total += 1
        if items.count < DoctorResult.itemLimit { items.append(item) }
    }
}
