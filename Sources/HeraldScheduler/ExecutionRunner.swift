import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldRender
import HeraldStore
import Postgres

/// Runs one execution under a lease: claim it, run the report's query on its data source in a READ ONLY transaction
/// with a statement timeout (within the source's concurrency limit), render CSV and keep it as an artifact, deliver to
/// each destination that has not yet received it, and record every outcome. Failed deliveries wait for their backoff
/// with the execution back in the queue; a retry re-uses the artifact and sends only what failed.
///
/// Blocking, and not thread-safe: each worker thread owns one runner (and its connections).
public final class ExecutionRunner {
    public struct Outcome: Sendable, Equatable {
        public let status: String
        public let rowCount: Int?
        public let error: String?
        /// Where each delivery of this attempt went.
        public let delivered: [String]
    }

    public enum Result: Sendable, Equatable {
        case finished(Outcome)
        /// Some deliveries failed and will be retried at the given time.
        case retrying(until: Date, Outcome)
        /// Handed back to start later (data source at its limit, or the previous run of a `buffer_one` schedule).
        case deferred
        case notClaimed(ClaimRefusal)
    }

    public struct Settings: Sendable {
        public var leaseSeconds: Double
        public var retry: RetryPolicy
        /// Leases that ran out mid-run (crashed or hung workers) before the execution is dead-lettered.
        public var maxCrashes: Int
        public var dataDirectory: String

        public init(leaseSeconds: Double = 30, retry: RetryPolicy = RetryPolicy(), maxCrashes: Int = 3, dataDirectory: String) {
            self.leaseSeconds = leaseSeconds
            self.retry = retry
            self.maxCrashes = maxCrashes
            self.dataDirectory = dataDirectory
        }
    }

    let store: PostgresConnection
    let secretKey: [UInt8]
    let settings: Settings
    /// Who holds the leases this runner takes: the process's consumer name.
    let owner: String
    let breaker: CircuitBreaker?
    /// Connections to data sources, kept between executions (opening one costs more than most report queries).
    private var sources: [UUID: (url: String, connection: PostgresConnection, checkedAt: Date)] = [:]

    public init(store: PostgresConnection, secretKey: [UInt8], settings: Settings, owner: String, breaker: CircuitBreaker? = nil) {
        self.store = store
        self.secretKey = secretKey
        self.settings = settings
        self.owner = owner
        self.breaker = breaker
    }

    public func run(_ executionID: UUID) throws -> Result {
        let leases = ExecutionLeaseRepository(connection: store)
        let job: ClaimedExecution
        switch try leases.claim(executionID, owner: owner, leaseSeconds: settings.leaseSeconds) {
        case .refused(let refusal): return .notClaimed(refusal)
        case .claimed(let claimed): job = claimed
        }
        func releaseSlot() { if let slot = job.sourceSlot { try? leases.releaseSourceSlot(dataSourceID: job.dataSourceID, slot: slot) } }
        if job.crashes >= settings.maxCrashes {
            releaseSlot()
            let error = "dead-lettered: \(job.crashes) attempts ended without finishing (the worker crashed or hung)"
            try leases.fail(executionID, owner: owner, error: error, timings: [:], deadLetter: true, notify: job.ownerID, reportName: job.reportName)
            return .finished(Outcome(status: "failed", rowCount: nil, error: error, delivered: []))
        }
        if job.overlapPolicy == OverlapPolicy.bufferOne.rawValue, let schedule = job.scheduleID,
           try leases.otherRunRunning(scheduleID: schedule, besides: executionID) {
            releaseSlot()
            try leases.giveBack(executionID, owner: owner, notBefore: Date().addingTimeInterval(1))
            return .deferred
        }
        var timings: [String: Double] = [:]
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

        // Query and render, unless an earlier attempt kept its rendering.
        let file: RenderedFile
        var rowCount: Int?
        var kept: (format: String, fileName: String, storagePath: String, byteCount: Int, sha256: [UInt8])?
        var heldSlot: Int?
        if let stored = job.artifactPath, let bytes = FileManager.default.contents(atPath: settings.dataDirectory + "/" + stored) {
            releaseSlot()
            file = RenderedFile(bytes: [UInt8](bytes), format: "csv")
        } else {
            guard let slot = try job.sourceSlot ?? acquireSourceSlot(job) else {
                try leases.giveBack(executionID, owner: owner, notBefore: Date().addingTimeInterval(0.5))
                return .deferred
            }
            // The slot is given back by `startDelivering` (one round trip fewer), or here when something fails first.
            heldSlot = slot
            let queried = clock.now
            let table: PostgresTable
            do {
                table = try query(job)
            } catch {
                try? leases.releaseSourceSlot(dataSourceID: job.dataSourceID, slot: slot)
                let message = "query failed: \(error)"
                // An unreachable data source is tried again with the delivery backoff; a bad query is not.
                if (error as? PostgresError)?.isTransient == true, let delay = settings.retry.delay(afterAttempt: job.attempts) {
                    let until = Date().addingTimeInterval(delay)
                    try leases.giveBack(executionID, owner: owner, notBefore: until, countAttempt: true, reason: message)
                    return .retrying(until: until, Outcome(status: "queued", rowCount: nil, error: message, delivered: []))
                }
                try leases.fail(executionID, owner: owner, error: message, timings: timings, notify: job.ownerID, reportName: job.reportName)
                return .finished(Outcome(status: "failed", rowCount: nil, error: message, delivered: []))
            }
            timings["query"] = seconds(clock.now - queried)
            rowCount = table.rows.count
            let rendered = clock.now
            file = RenderedFile(bytes: CSVRenderer.render(columns: table.columns, rows: table.rows), format: "csv")
            do {
                kept = try keepArtifact(file, job: job)
            } catch {
                try? leases.releaseSourceSlot(dataSourceID: job.dataSourceID, slot: slot)
                throw error
            }
            timings["render"] = seconds(clock.now - rendered)
        }

        // Deliver what has not been delivered yet.
        let delivering = clock.now
        let due = try leases.startDelivering(executionID, owner: owner, destinations: job.destinationIDs, rowCount: rowCount, artifact: kept,
                                             releasing: heldSlot.map { (job.dataSourceID, $0) })
        let context = DeliveryContext(reportName: job.reportName, localDateTime: try localDateTime(job), executionID: executionID)
        var delivered: [String] = []
        var outcomes: [DeliveryOutcome] = []
        for delivery in due {
            var host: String?
            do {
                let channel = try DeliveryChannels.make(kind: delivery.kind, settingsJSON: delivery.settings)
                host = channel.breakerHost
                if let until = breaker?.openUntil(channel.breakerHost) {
                    outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .postponed(
                        reason: "not attempted: \(channel.breakerHost) failed repeatedly; waiting for it", until: until)))
                    continue
                }
                let detail = try channel.deliver(file, context: context)
                breaker?.recordSuccess(channel.breakerHost)
                delivered.append(detail)
                outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .succeeded(detail: detail)))
            } catch {
                if let host { breaker?.recordFailure(host) }
                let permanent = (error as? DeliveryError)?.permanent ?? false
                let delay = permanent ? nil : settings.retry.delay(afterAttempt: delivery.attempts + 1)
                outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .failed(error: "\(error)", retryAt: delay.map { Date().addingTimeInterval($0) })))
            }
        }
        timings["deliver"] = seconds(clock.now - delivering)

        guard let ended = try leases.finish(executionID, owner: owner, outcomes: outcomes, rowCount: rowCount, timings: timings,
                                            notify: job.ownerID, reportName: job.reportName) else {
            return .notClaimed(.leasedElsewhere)
        }
        let outcome = Outcome(status: ended.status, rowCount: rowCount, error: ended.error, delivered: delivered)
        if ended.status == "queued" { return .retrying(until: ended.notBefore ?? Date(), outcome) }
        return .finished(outcome)
    }

    // MARK: Query

    private func query(_ job: ClaimedExecution) throws -> PostgresTable {
        let source = try sourceConnection(job.dataSourceID)
        do {
            // One round trip for both (a fixed script: the timeout is an integer from our own column). The report
            // itself goes alone through the extended protocol, which refuses a second statement.
            try source.executeScript(unsafeSQL: "BEGIN READ ONLY; SET LOCAL statement_timeout = \(max(job.statementTimeoutMs, 1))")
            let table: PostgresTable
            do {
                table = try source.table(PostgresQuery(unsafeSQL: job.sql))
            } catch {
                if source.isConnected { _ = try? source.execute("ROLLBACK") }
                throw error
            }
            try source.execute("COMMIT")
            return table
        } catch {
            if !source.isConnected { sources[job.dataSourceID] = nil }
            throw error
        }
    }

    /// A connection to the data source, kept between executions. The URL is re-read (and unsealed) at most once a
    /// minute per worker, so an edited data source takes effect without a restart.
    private func sourceConnection(_ id: UUID) throws -> PostgresConnection {
        if let cached = sources[id], cached.checkedAt.timeIntervalSinceNow > -60, cached.connection.isConnected {
            return cached.connection
        }
        guard let url = try DataSourceRepository(connection: store, secretKey: secretKey).connectionURL(id: id) else {
            throw DeliveryError("the data source no longer exists")
        }
        if let cached = sources[id], cached.url == url, cached.connection.isConnected {
            sources[id] = (url, cached.connection, Date())
            return cached.connection
        }
        let connection = try PostgresConnection(url: url)
        sources[id] = (url, connection, Date())
        return connection
    }

    /// One of the data source's `max_concurrency` slots, as a session advisory lock on the store connection: shared
    /// by every worker of every process, and released by PostgreSQL if this process dies.
    private func acquireSourceSlot(_ job: ClaimedExecution) throws -> Int? {
        try store.query("""
            SELECT s FROM generate_series(0, \(job.maxConcurrency - 1)) s
            WHERE pg_try_advisory_lock(hashtext('herald-source:' || \(job.dataSourceID)::text), s) LIMIT 1
            """).first?.decode("s")
    }

    // MARK: Artifacts

    /// Keeps the rendering under `HERALD_DATA_DIR/artifacts/YYYY/MM/DD/`, so a retry or a re-send delivers the same
    /// bytes without querying again (and, later, the history page can offer it for download).
    private func keepArtifact(_ file: RenderedFile, job: ClaimedExecution) throws -> (format: String, fileName: String, storagePath: String, byteCount: Int, sha256: [UInt8]) {
        let day = UTCInstant.format(Int64(job.scheduledFor.timeIntervalSince1970)).prefix(10).replacingOccurrences(of: "-", with: "/")
        let relative = "artifacts/\(day)/\(job.id.uuidString.lowercased()).\(file.format)"
        let path = settings.dataDirectory + "/" + relative
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try AtomicFile.write(file.bytes, to: path)
        return (file.format, "\(job.reportName).\(file.format)", relative, file.bytes.count, Digest.sha256(file.bytes))
    }

    private func localDateTime(_ job: ClaimedExecution) throws -> String {
        let zone = try ZoneRules.named(job.timeZone)
        let slot = Int64(job.scheduledFor.timeIntervalSince1970)
        return UTCInstant.format(slot + Int64(zone.offset(at: slot))).replacingOccurrences(of: "T", with: " ")
            .replacingOccurrences(of: "Z", with: "")
    }
}
