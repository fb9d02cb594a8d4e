import Foundation
import HeraldCore
import HeraldStore
import Postgres

/// One retention pass: removes expired runs (see `RetentionRepository`) with their files, in batches, each batch
/// its own short transaction, and records the pass in `retention_passes`. Only one cleaner works at a time, whatever
/// the number of schedulers: it holds a session advisory lock for the pass, and a cleaner that cannot take it skips.
/// `herald scheduler` runs it periodically (`RetentionThread`), `herald retention run` on demand.
/// Blocking: run it on a thread of its own, on a connection used for nothing else during the pass (the lock is the
/// session's).
public struct RetentionCleaner {
    let connection: PostgresConnection
    let dataDirectory: String
    let defaultDays: Int?
    let batchSize: Int
    /// Called after each committed batch with the totals so far; tests use it to act mid-pass.
    var afterBatch: (RetentionTotals) -> Void = { _ in }
    /// Asked between batches: a scheduler that is stopping ends the pass there (the next pass goes on from the start).
    var shouldStop: () -> Bool = { false }

    public init(connection: PostgresConnection, dataDirectory: String, defaultDays: Int?, batchSize: Int = 500) {
        self.connection = connection
        self.dataDirectory = dataDirectory
        self.defaultDays = defaultDays
        self.batchSize = batchSize
    }

    /// A pass records at most this many problems (a folder it may not write would otherwise fill the row).
    static let errorsKept = 100

    public enum Outcome: Sendable, Equatable {
        /// Another session holds the lock: it is cleaning now.
        case skipped
        case cleaned(passID: Int64, RetentionTotals)
    }

    public func run() throws -> Outcome {
        let store = RetentionRepository(connection: connection)
        guard try store.tryLock() else { return .skipped }
        defer { try? store.unlock() }
        let passID = try store.startPass(defaultDays: defaultDays)
        var totals = RetentionTotals()
        do {
            if let shortest = try store.shortestPeriod(defaultDays: defaultDays) {
                var cursor: RetentionRepository.Cursor?
                while true {
                    let (found, next) = try connection.transaction { try removeBatch(store, shortest: shortest, after: cursor, into: &totals) }
                    if found > 0 {
                        totals.batches += 1
                        afterBatch(totals)
                    }
                    guard found == batchSize, let next, !shouldStop() else { break }
                    cursor = next
                }
            }
            removeEmptyDayFolders()
        } catch {
            // What the committed batches removed is recorded with what stopped the pass.
            totals.errors.append("the pass stopped: \(error)")
            try? store.finishPass(passID, totals)
            throw error
        }
        try store.finishPass(passID, totals)
        return .cleaned(passID: passID, totals)
    }

    /// Locks a batch of expired runs, deletes their files (a missing file is fine; one shared with a row that stays is
    /// left), then their rows. A run whose file could not be deleted is kept, so its row still names the file and the
    /// next pass tries again. Returns how many runs the batch found, and where it stopped.
    private func removeBatch(_ store: RetentionRepository, shortest: Int, after cursor: RetentionRepository.Cursor?,
                             into totals: inout RetentionTotals) throws -> (Int, RetentionRepository.Cursor?) {
        let (ids, next) = try store.lockExpired(defaultDays: defaultDays, shortestDays: shortest, after: cursor, limit: batchSize)
        guard !ids.isEmpty else { return (0, nil) }
        var kept = Set<UUID>()
        var files = 0
        var bytes: Int64 = 0
        var unlinked = Set<String>()
        for file in try store.files(of: ids) where !file.sharedWithKeptRow && !unlinked.contains(file.storagePath) {
            if unlink(dataDirectory + "/" + file.storagePath) == 0 {
                files += 1
                bytes += file.byteCount
            } else if case let failure = errno, failure != ENOENT {
                kept.insert(file.executionID)
                if totals.errors.count < Self.errorsKept { totals.errors.append("\(file.storagePath): \(String(cString: strerror(failure)))") }
                continue
            }
            unlinked.insert(file.storagePath)
        }
        let removed = try store.delete(ids.filter { !kept.contains($0) })
        totals.executions += removed.executions
        totals.artifacts += removed.artifacts
        totals.files += files
        totals.bytes += bytes
        return (ids.count, next)
    }

    /// Removes the `artifacts/YYYY/MM/DD` folders that are empty, then empty months and years, up to the day before
    /// yesterday (UTC): runs write into their slot's day, so a folder of today or yesterday may be one a worker has
    /// just made for the files it is about to write. (A backfill writes into older days; it makes its folder and opens
    /// its files at once, and an attempt that lost the race is retried.)
    private func removeEmptyDayFolders() {
        let root = dataDirectory + "/artifacts"
        let cutoff = String(UTCInstant.format(Int64(Date().timeIntervalSince1970) - 2 * 86_400).prefix(10))   // YYYY-MM-DD
        func children(_ path: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.isEmpty && $0.allSatisfy(\.isNumber) }.sorted()
        }
        for year in children(root) where year <= cutoff.prefix(4) {
            for month in children(root + "/" + year) where "\(year)-\(month)" <= cutoff.prefix(7) {
                for day in children(root + "/" + year + "/" + month) where "\(year)-\(month)-\(day)" < cutoff {
                    rmdir(root + "/" + year + "/" + month + "/" + day)     // fails, harmlessly, unless empty
                }
                if "\(year)-\(month)" < cutoff.prefix(7) { rmdir(root + "/" + year + "/" + month) }
            }
            if year < cutoff.prefix(4) { rmdir(root + "/" + year) }
        }
    }
}
