import Foundation
import HeraldStore
import Logging
import Postgres

/// Runs `RetentionCleaner` in `herald scheduler`: once shortly after start, then every `interval`, on a thread and
/// a PostgreSQL session of its own. Every scheduler runs one; the cleaner's advisory lock makes all but one skip.
final class RetentionThread: @unchecked Sendable {
    static let firstDelay: TimeInterval = 60
    static let interval: TimeInterval = 600

    private let databaseURL: String
    private let dataDirectory: String
    private let defaultDays: Int?
    private let logger: Logger
    private let periodic = PeriodicThread()
    /// Touched only on the periodic thread.
    private var connection: PostgresConnection?

    init(databaseURL: String, dataDirectory: String, defaultDays: Int?, logger: Logger) {
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
        self.defaultDays = defaultDays
        self.logger = logger
    }

    func start() {
        periodic.start(name: "herald-retention", firstDelay: Self.firstDelay, interval: Self.interval) { [self] in clean() }
    }

    func stop() { periodic.stop() }

    private func clean() {
        do {
            if connection == nil { connection = try PostgresConnection(url: databaseURL) }
            var cleaner = RetentionCleaner(connection: connection!, dataDirectory: dataDirectory, defaultDays: defaultDays)
            cleaner.shouldStop = { [periodic] in periodic.isStopping }
            if case .cleaned(_, let totals) = try cleaner.run(), totals.executions > 0 || !totals.errors.isEmpty {
                logger.info("retention removed expired runs", metadata: [
                    "executions": "\(totals.executions)", "artifacts": "\(totals.artifacts)", "files": "\(totals.files)",
                    "bytes": "\(totals.bytes)", "errors": "\(totals.errors.count)"])
            }
        } catch {
            // The session (and with it the lock, if held) is dropped; the next round starts afresh.
            connection = nil
            logger.warning("retention pass failed; it is tried again later", metadata: ["error": "\(error)"])
        }
    }
}
