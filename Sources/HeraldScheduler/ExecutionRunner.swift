import Crypto
import Foundation
import HeraldQueue
import HeraldCore
import HeraldDelivery
import HeraldMetrics
import HeraldRender
import HeraldStore
import Logging
import Postgres

/// Runs one execution under a lease: claim it, bind the report's parameters at the run's logical time, run its query
/// on its data source in a READ ONLY transaction with a statement timeout (within the source's concurrency limit),
/// stream the rows into every format the schedule asks for and keep the files as artifacts, deliver them to
/// each destination that has not yet received it, and record every outcome. Failed deliveries wait for their backoff
/// with the execution back in the queue; a retry re-uses the artifact and sends only what failed. A run that finds
/// its data source at its limit is parked until a release wakes it; a run past its report's maximum duration is
/// cancelled and fails; every write (files included) happens only while the lease is held.
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
        /// Handed back to start later (the previous run of a `buffer_one` schedule), or parked until a slot of its
        /// data source frees.
        case deferred
        case notClaimed(ClaimRefusal)
        /// The lease ran out mid-run (this worker was stopped or hung) and another worker took the run over: this
        /// attempt wrote nothing and delivered nothing after that.
        case leaseLost
    }

    public struct Settings: Sendable {
        public var leaseSeconds: Double
        public var retry: RetryPolicy
        /// Leases that ran out mid-run (crashed or hung workers) before the execution is dead-lettered.
        public var maxCrashes: Int
        public var dataDirectory: String
        /// Where folder destinations' sub-folders live (`HERALD_DELIVERY_ROOT`).
        public var deliveryRoot: String
        /// Data-source connections a worker keeps open (the least recently used is closed past this).
        public var sourceConnections: Int
        /// How often a worker re-reads its data sources' URLs (an edited URL reconnects, a deleted source closes).
        public var sourceRecheckSeconds: Double
        /// What channels reach and trust (`ChannelEnvironment(config:)`); nil: only the delivery root, no allow-list.
        public var channels: ChannelEnvironment?
        /// `HERALD_SECRET_KEY_PREVIOUS`, while `herald secrets rotate` is under way.
        public var previousSecretKey: [UInt8]?
        /// How long the download links in emails and webhooks work (`HERALD_LINK_DAYS`).
        public var linkLifetimeSeconds: Int64 = 7 * 86_400
        /// `HERALD_ALERT_EVERY`: owners are emailed on failures 1, 1+N, 1+2N … of a streak, and once on recovery.
        public var alertEvery = 5
        /// How often the admin's SMTP server (owner alerts, email destinations without their own) is re-read.
        public var systemEmailRecheckSeconds: Double = 60

        public init(leaseSeconds: Double = 30, retry: RetryPolicy = RetryPolicy(), maxCrashes: Int = 3, dataDirectory: String,
                    sourceConnections: Int = 8, sourceRecheckSeconds: Double = 60, deliveryRoot: String? = nil) {
            self.leaseSeconds = leaseSeconds
            self.deliveryRoot = deliveryRoot ?? (dataDirectory as NSString).appendingPathComponent("deliveries")
            self.retry = retry
            self.maxCrashes = maxCrashes
            self.dataDirectory = dataDirectory
            self.sourceConnections = sourceConnections
            self.sourceRecheckSeconds = sourceRecheckSeconds
        }
    }

    let store: PostgresConnection
    let secretKey: [UInt8]
    let settings: Settings
    /// Who holds the leases this runner takes: the process's consumer name.
    let owner: String
    let breaker: CircuitBreaker?
    /// Mail servers' per-minute sending limit (shared through Redis); nil: none.
    public var sendingRate: SendingRate?
    /// Where run ends, dead letters and deliveries are counted; nil (`herald run-once`): nowhere.
    public var metrics: SchedulerMetrics?
    /// Set by the pool when it hands its runs back on shutdown: from then on a recent lease proves nothing, and
    /// every write asks the database whether the run is still this attempt's.
    public var handedBack: @Sendable () -> Bool = { false }
    /// Called with the runs parked on a data source that a released slot woke: the caller puts them on their streams.
    /// Without one (`herald run-once` has no Redis) they are left to the reconciler.
    let wake: ([WokenRun]) -> Void
    /// Connections to data sources, kept between executions (opening one costs more than most report queries).
    private var sources: LRUCache<UUID, (url: String, connection: PostgresConnection, checkedAt: Date)>
    /// When the cache last dropped connections of deleted data sources.
    private var sourcesPrunedAt = Date()
    /// Channels built from destination settings, by kind and settings text: decoding and checking them per delivery
    /// was a tenth of a worker's own time. An edited destination has other settings text, so it is built anew.
    private let logger = Logger(label: "herald.runner")
    private var channels = LRUCache<String, (channel: any DeliveryChannel, learned: LearnedHostKey)>(capacity: 64)
    private var namePatterns = LRUCache<String, FileNamePattern>(capacity: 64)
    /// Owner alert emails, sent once a run's end is recorded; it also keeps the admin's SMTP server as last read.
    private(set) lazy var alerts = OwnerAlertMailer(
        store: store, keyring: { [key = secretKey, previous = settings.previousSecretKey] in try SecretKeyring(current: key, previous: previous) },
        every: settings.alertEvery, environment: settings.channels ?? ChannelEnvironment(deliveryRoot: settings.deliveryRoot),
        recheckSeconds: settings.systemEmailRecheckSeconds)

    public init(store: PostgresConnection, secretKey: [UInt8], settings: Settings, owner: String, breaker: CircuitBreaker? = nil,
                wake: (([WokenRun]) -> Void)? = nil) {
        self.store = store
        self.secretKey = secretKey
        self.settings = settings
        self.owner = owner
        self.breaker = breaker
        self.wake = wake ?? { woken in
            if !woken.isEmpty { try? ExecutionRepository(connection: store).releaseTaken(woken.map(\.id)) }
        }
        sources = LRUCache(capacity: max(settings.sourceConnections, 1))
    }

    /// A run whose deliveries are done and whose end is not recorded yet: `record` writes it alone, and
    /// `claim(_:recording:)` in the same round trip (and transaction) as the claim of the next run. Its lease holds
    /// until then: the caller keeps it among the runs the lease keeper renews.
    public struct Delivered: Sendable {
        let finish: ExecutionLeaseRepository.Finish
        let delivered: [String]
        let trigger: String
        public var executionID: UUID { finish.id }
    }

    /// Where `proceed` left the run it was given.
    public enum Step: Sendable {
        case done(Result)
        case delivered(Delivered)
    }

    /// A claim's answer, and when the statement that set the lease was sent.
    public struct Claim: Sendable {
        let result: ClaimResult
        let leaseSetAt: ContinuousClock.Instant
    }

    public func run(_ executionID: UUID) throws -> Result {
        switch try proceed(try claim(executionID, recording: nil).claim) {
        case .done(let result): return result
        case .delivered(let delivered): return try record(delivered)
        }
    }

    /// Records the end of a delivered run.
    public func record(_ delivered: Delivered) throws -> Result {
        let ended = try ExecutionLeaseRepository(connection: store).finish(delivered.finish)
        return alerting(result(of: delivered, ended: ended), delivered.executionID, previousStatus: ended?.previousStatus)
    }

    /// A recorded end is passed on to the owner alerts (after its transaction, so never inside it); a failed or
    /// partial one may pause its schedule. `previousStatus`, the schedule's last run's before this end (as the finish
    /// returned it), lets a success after a success cost no statement; an end recorded elsewhere (`attempt`: a
    /// failure or a skip, never a success) passes `unknown`.
    private func alerting(_ result: Result, _ executionID: UUID, previousStatus: String? = OwnerAlertRepository.unknownStatus) -> Result {
        guard case .finished(let outcome) = result else { return result }
        if outcome.status == "failed" || outcome.status == "partial" { pauseIfFailing(executionID) }
        alerts.runEnded(executionID, status: outcome.status, previousStatus: previousStatus)
        return result
    }

    /// Pauses the run's schedule when its streak of failures reached the schedule's `pause_after_failures`, and
    /// emails the owner; never throws (the run's end is recorded already).
    private func pauseIfFailing(_ executionID: UUID) {
        do {
            if let paused = try ScheduleAutoPause(connection: store).afterFailedRun(executionID) {
                logger.notice("paused a schedule after consecutive failures",
                              metadata: ["schedule_id": "\(paused.scheduleID)", "execution_id": "\(executionID)", "failures": "\(paused.failures)"])
                alerts.schedulePaused(paused)
            }
        } catch {
            logger.error("could not check whether to pause the schedule", metadata: ["execution_id": "\(executionID)", "error": "\(error)"])
        }
    }

    /// Takes the lease on an execution; `previous`, a run this runner delivered, is recorded in the same round trip
    /// and transaction (an error records neither: both leases run out and both runs are taken over).
    public func claim(_ executionID: UUID, recording previous: Delivered?) throws -> (previous: Result?, claim: Claim) {
        let leases = ExecutionLeaseRepository(connection: store)
        let sent = ContinuousClock.now
        guard let previous else {
            return (nil, Claim(result: try leases.claim(executionID, owner: owner, leaseSeconds: settings.leaseSeconds), leaseSetAt: sent))
        }
        let both = try leases.finish(previous.finish, thenClaim: executionID, owner: owner, leaseSeconds: settings.leaseSeconds)
        return (alerting(result(of: previous, ended: both.ended), previous.executionID, previousStatus: both.ended?.previousStatus),
                Claim(result: both.claim, leaseSetAt: sent))
    }

    /// Runs a claimed execution up to its recorded end, or up to `delivered`: then the caller records it, alone
    /// (`record`) or with its next claim.
    public func proceed(_ claim: Claim) throws -> Step {
        switch claim.result {
        case .refused(let refusal): return .done(.notClaimed(refusal))
        case .claimed(let job):
            let step = try attempt(job, leases: ExecutionLeaseRepository(connection: store), leaseSetAt: claim.leaseSetAt)
            if case .done(let result) = step { return .done(alerting(counting(result, trigger: job.trigger), job.id)) }
            return step
        }
    }

    private func result(of delivered: Delivered, ended: ExecutionLeaseRepository.Ended?) -> Result {
        guard let ended else {
            // A fresh run's files were to be recorded with its end: not recorded, they must not stay.
            for artifact in delivered.finish.fresh?.artifacts ?? [] { unlink(settings.dataDirectory + "/" + artifact.file.storagePath) }
            return .leaseLost
        }
        wake(ended.woken)
        let outcome = Outcome(status: ended.status, rowCount: delivered.finish.rowCount, error: ended.error, delivered: delivered.delivered)
        if ended.status == "queued" { return .retrying(until: ended.notBefore ?? Date(), outcome) }
        return counting(.finished(outcome), trigger: delivered.trigger)
    }

    /// A recorded end counts once in `herald_runs_total`; a run waiting for retries or handed back has not ended.
    private func counting(_ result: Result, trigger: String) -> Result {
        if case .finished(let outcome) = result { metrics?.runs.labels(outcome.status, trigger).increment() }
        return result
    }

    private func attempt(_ job: ClaimedExecution, leases: ExecutionLeaseRepository, leaseSetAt claimSent: ContinuousClock.Instant) throws -> Step {
        let executionID = job.id
        // Another worker can take the run over only once the lease has expired, so within half a lease of setting it
        // nobody has, and checking would cost a round trip and prove nothing; later (a slow query, a worker stopped
        // and resumed) the database is asked.
        var leaseSetAt = claimSent
        func holdsLease() throws -> Bool {
            if !handedBack() && ContinuousClock.now - leaseSetAt < .seconds(settings.leaseSeconds / 2) { return true }
            let sent = ContinuousClock.now
            guard try leases.stillHeld(executionID, owner: owner, leaseSeconds: settings.leaseSeconds) else { return false }
            leaseSetAt = sent
            return true
        }
        let deadline = Date().addingTimeInterval(Double(job.maxDurationSeconds))
        let overdue = "cancelled: the run passed its maximum duration of \(job.maxDurationSeconds) s"
        func release(_ slot: Int?) {
            guard let slot else { return }
            if let woken = try? leases.releaseSourceSlot(dataSourceID: job.dataSourceID, slot: slot) { wake(woken) }
        }
        if job.crashes >= settings.maxCrashes {
            release(job.sourceSlot)
            let error = "dead-lettered: \(job.crashes) attempts ended without finishing (the worker crashed or hung)"
            try leases.fail(executionID, owner: owner, error: error, timings: [:], deadLetter: true)
            metrics?.deadLetters.increment()
            return .done(.finished(Outcome(status: "failed", rowCount: nil, error: error, delivered: [])))
        }
        // A backfill run and the other runs of its schedule go one after another: parked until the other's end wakes it.
        if job.sharesScheduleWithBackfill, try leases.parkBehindScheduleRun(executionID, owner: owner) {
            release(job.sourceSlot)
            return .done(.deferred)
        }
        if job.overlapPolicy == OverlapPolicy.bufferOne.rawValue, let schedule = job.scheduleID,
           try leases.otherRunRunning(scheduleID: schedule, besides: executionID) {
            release(job.sourceSlot)
            try leases.giveBack(executionID, owner: owner, notBefore: Date().addingTimeInterval(1))
            return .done(.deferred)
        }
        var timings: [String: Double] = [:]
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        func failOverdue(during step: String) throws -> Result {
            let message = "\(overdue) (during the \(step))"
            try leases.fail(executionID, owner: owner, error: message, timings: timings)
            return .finished(Outcome(status: "failed", rowCount: nil, error: message, delivered: []))
        }

        // Query and render, unless an earlier attempt kept its renderings.
        var files: [RenderedFile]
        var rowCount: Int?
        var kept: [KeptArtifact] = []
        var heldSlot: Int?
        var truncated = false
        var resolvedParameters: String?
        /// The first rows of the result, when this attempt rendered it (a retry reads those the rendering attempt kept).
        var preview: (columns: [String], rows: [[String]]) = ([], [])
        var rendered = false
        var resultDigest: [UInt8]?
        let keptFiles = job.keptArtifacts.map { RenderedFile(path: settings.dataDirectory + "/" + $0.storagePath, format: $0.format) }
        if !keptFiles.isEmpty, keptFiles.allSatisfy({ access($0.path, R_OK) == 0 }) {
            release(job.sourceSlot)
            // A zipped run delivers its archive alone.
            files = keptFiles.contains { $0.format == "zip" } ? keptFiles.filter { $0.format == "zip" } : keptFiles
        } else {
            // The values are resolved at the run's logical time (its slot in the schedule's zone) before a data
            // source slot is taken: a value that no longer fits fails the run at once, with the reason.
            let prepared: PreparedReportQuery
            do {
                prepared = try PreparedReportQuery(sql: job.sql, declaredJSON: job.parametersJSON, valuesJSON: job.parameterValuesJSON,
                                                   at: LogicalTime(instant: Int64(job.scheduledFor.timeIntervalSince1970), zone: ZoneRules.named(job.timeZone)))
            } catch {
                release(job.sourceSlot)
                let message = "the report's parameters do not fit: \(error)"
                try leases.fail(executionID, owner: owner, error: message, timings: timings)
                return .done(.finished(Outcome(status: "failed", rowCount: nil, error: message, delivered: [])))
            }
            resolvedParameters = prepared.resolvedJSON
            // No slot free at the claim: park until a holder's release wakes this run (no retry timer, no churn).
            guard let slot = try job.sourceSlot
                    ?? leases.park(executionID, owner: owner, dataSourceID: job.dataSourceID, maxConcurrency: job.maxConcurrency) else {
                return .done(.deferred)
            }
            // The slot is given back by `startDelivering` or a fresh run's `finish` (no statement of its own), or here when
            // something fails first.
            heldSlot = slot
            let queried = clock.now
            let rendering: RunRendering
            var cancelledByDeadline = false
            do {
                rendering = try RunRendering(formats: job.formats, options: job.exportOptions, condition: job.deliveryCondition,
                                             context: try renderContext(job, prepared), dataDirectory: settings.dataDirectory,
                                             base: artifactBase(job))
            } catch {
                release(slot)
                throw error
            }
            defer { preview = (rendering.previewColumns, rendering.previewRows); rendered = true }
            let streamed: ReportQueryRunner.Streamed
            do {
                streamed = try query(job, prepared, into: rendering, deadline: deadline, cancelled: &cancelledByDeadline)
            } catch {
                rendering.discard()
                release(slot)
                if cancelledByDeadline { return .done(try failOverdue(during: "query")) }
                let message = error is PostgresError ? "query failed: \(error)"
                    : error is DeliveryConditionError ? "the delivery condition cannot be checked: \(error)" : "rendering failed: \(error)"
                // An unreachable data source is tried again with the delivery backoff; a bad query is not.
                if (error as? PostgresError)?.isTransient == true, let delay = settings.retry.delay(afterAttempt: job.attempts) {
                    let until = Date().addingTimeInterval(delay)
                    try leases.giveBack(executionID, owner: owner, notBefore: until, countAttempt: true, reason: message)
                    return .done(.retrying(until: until, Outcome(status: "queued", rowCount: nil, error: message, delivered: [])))
                }
                try leases.fail(executionID, owner: owner, error: message, timings: timings, parameters: resolvedParameters)
                return .done(.finished(Outcome(status: "failed", rowCount: nil, error: message, delivered: [])))
            }
            timings["query"] = seconds(clock.now - queried)
            rowCount = streamed.rowCount
            truncated = streamed.truncated
            resultDigest = rendering.resultDigest()
            // The delivery condition is decided before the files are finished: a run that does not deliver keeps none.
            let last = rendering.condition.condition.mode == DeliveryCondition.Mode.ifChanged.rawValue ? try job.scheduleID.flatMap { try leases.lastDeliveredResult(scheduleID: $0) } : nil
            let verdict = rendering.condition.verdict(rowCount: streamed.rowCount, resultDigest: resultDigest ?? [],
                                                      lastDelivered: try last.map { ($0.digest, try localMinute($0.scheduledFor, job.timeZone)) })
            if case .skip(let reason) = verdict {
                rendering.discard()
                let ended = try leases.skip(executionID, owner: owner, reason: reason, rowCount: streamed.rowCount, truncated: truncated,
                                            resultDigest: resultDigest, timings: timings, parameters: resolvedParameters,
                                            releasing: (job.dataSourceID, slot))
                wake(ended.woken)
                guard ended.skipped else { return .done(.leaseLost) }
                return .done(.finished(Outcome(status: "skipped", rowCount: streamed.rowCount, error: reason, delivered: [])))
            }
            let rendered = clock.now
            do {
                kept = try rendering.finish(truncated: truncated, reportName: job.reportName)
                if job.exportOptions.zip {
                    let names = try FileNamePattern("{report_name}_{date}.{format}")
                    let local = try localDateTime(job)
                    kept.append(try rendering.zipped(kept, entryName: {
                        names.fileName(reportName: job.reportName, localDateTime: local, format: $0, executionID: job.id.uuidString.lowercased())
                    }, reportName: job.reportName))
                }
                // Checked before the files are recorded (a worker stopped during its query wakes to find the run taken
                // over, and keeps nothing); the rows that record them are conditioned on the lease as well.
                if Date() > deadline {
                    rendering.discard()
                    release(slot)
                    return .done(try failOverdue(during: "render"))
                }
                guard try holdsLease() else {
                    rendering.discard()
                    release(slot)
                    return .done(.leaseLost)
                }
            } catch {
                rendering.discard()
                release(slot)
                throw error
            }
            files = kept.filter { !job.exportOptions.zip || $0.format == "zip" }
                .map { RenderedFile(path: settings.dataDirectory + "/" + $0.storagePath, format: $0.format) }
            timings["render"] = seconds(clock.now - rendered)
        }

        // Deliver what has not been delivered yet. A first attempt to folders only records its deliveries, files and
        // figures with its end (`Finish.fresh`); any other asks `startDelivering` first.
        let delivering = clock.now
        let due: [DueDelivery]
        let artifactIDs: [String: UUID]
        var fresh: ExecutionLeaseRepository.Fresh?
        if let targets = job.freshTargets, rendered {
            let files = kept.map { (id: UUID(), file: $0) }
            fresh = ExecutionLeaseRepository.Fresh(
                deliveries: targets, artifacts: files, truncated: truncated, parameters: resolvedParameters,
                preview: RunPreview(columns: preview.columns, rows: preview.rows).json, resultDigest: resultDigest,
                releasing: heldSlot.map { (job.dataSourceID, $0) })
            due = targets
            artifactIDs = Dictionary(files.map { ($0.file.format, $0.id) }, uniquingKeysWith: { first, _ in first })
        } else {
            let started = try leases.startDelivering(executionID, owner: owner, destinations: job.destinationIDs, rowCount: rowCount,
                                                     truncated: truncated, artifacts: kept, parameters: resolvedParameters,
                                                     releasing: heldSlot.map { (job.dataSourceID, $0) }, resultDigest: resultDigest,
                                                     preview: rendered ? RunPreview(columns: preview.columns, rows: preview.rows).json : nil)
            wake(started.woken)
            guard let startedDue = started.due else {
                // Another worker took the run over: this attempt's renderings were not recorded, so they must not stay.
                for artifact in kept { unlink(settings.dataDirectory + "/" + artifact.storagePath) }
                return .done(.leaseLost)
            }
            due = startedDue
            artifactIDs = started.artifactIDs
        }
        var context = DeliveryContext(reportName: job.reportName, scheduleName: job.scheduleName, localDateTime: try localDateTime(job), executionID: executionID)
        context.scheduledFor = UTCInstant.format(Int64(job.scheduledFor.timeIntervalSince1970))
        context.scheduleID = job.scheduleID
        context.rowCount = rowCount
        context.truncated = truncated
        let shown = rendered ? RunPreview(columns: preview.columns, rows: preview.rows) : RunPreview(json: job.previewJSON)
        context.columns = shown.columns
        context.firstRows = shown.rows
        // Only emails and webhooks carry links: signing them for a folder would be work nobody reads.
        if due.contains(where: { $0.kind == DestinationKind.email.rawValue || $0.kind == DestinationKind.webhook.rawValue }) {
            context.links = downloadLinks(artifactIDs, zipped: job.exportOptions.zip)
        }
        var delivered: [String] = []
        var outcomes: [DeliveryOutcome] = []
        for batch in DeliveryBatch.group(due) {
            let counted = outcomes.count
            var attempted: ContinuousClock.Instant?
            defer { countDeliveries(outcomes[counted...], kind: batch.deliveries[0].kind, since: attempted) }
            if Date() > deadline {
                for delivery in batch.deliveries {
                    outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .failed(error: "\(overdue) (before this delivery)", retryAt: nil)))
                }
                continue
            }
            // The lease is checked (and extended) before every write outside PostgreSQL. A fresh run holds its slot and
            // has recorded nothing yet: it frees the one and removes its files.
            guard try holdsLease() else {
                if let fresh {
                    release(heldSlot)
                    for artifact in fresh.artifacts { unlink(settings.dataDirectory + "/" + artifact.file.storagePath) }
                }
                return .done(.leaseLost)
            }
            var host: String?
            do {
                let channel = try channel(for: batch.deliveries[0])
                host = channel.breakerHost
                if let until = breaker?.openUntil(channel.breakerHost) {
                    for delivery in batch.deliveries {
                        outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .postponed(
                            reason: "not attempted: \(channel.breakerHost) failed repeatedly; waiting for it", until: until)))
                    }
                    continue
                }
                attempted = ContinuousClock.now
                context.fileNames = fileNames(batch.deliveries[0].settings, files: files, context: context)
                context.deliveryKey = batch.deliveryKey(executionID)
                if let perRecipient = channel as? any PerRecipientChannel {
                    let perMessage = max(1, settings.channels?.maxRecipients ?? 50)
                    let messages = (batch.deliveries.count + perMessage - 1) / perMessage
                    if let until = sendingRate?.admit(channel.breakerHost, messages: messages) {
                        for delivery in batch.deliveries {
                            outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .postponed(
                                reason: "waiting: \(channel.breakerHost) has sent its \(sendingRate?.perMinute ?? 0) messages for this minute", until: until)))
                        }
                        continue
                    }
                    let sent = try deliver(batch, through: perRecipient, files: files, context: context)
                    outcomes += sent.outcomes
                    delivered += sent.delivered
                    if sent.anyAccepted { breaker?.recordSuccess(channel.breakerHost) } else { breaker?.recordFailure(channel.breakerHost) }
                } else {
                    let detail = try channel.deliver(files, context: context)
                    breaker?.recordSuccess(channel.breakerHost)
                    delivered.append(detail)
                    outcomes.append(DeliveryOutcome(deliveryID: batch.deliveries[0].id, result: .succeeded(detail: detail)))
                }
                pinLearnedHostKey(batch.deliveries[0])
            } catch {
                pinLearnedHostKey(batch.deliveries[0])
                if let host { breaker?.recordFailure(host) }
                for delivery in batch.deliveries {
                    outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: failure(error, attempts: delivery.attempts)))
                }
            }
        }
        timings["deliver"] = seconds(clock.now - delivering)

        return .delivered(Delivered(finish: ExecutionLeaseRepository.Finish(
            id: executionID, owner: owner, outcomes: outcomes, rowCount: rowCount, timings: timings, fresh: fresh), delivered: delivered, trigger: job.trigger))
    }

    /// One destination's outcomes by channel kind, and how long delivering took when it was attempted.
    private func countDeliveries(_ outcomes: ArraySlice<DeliveryOutcome>, kind: String, since attempted: ContinuousClock.Instant?) {
        guard let metrics else { return }
        for outcome in outcomes {
            let name = switch outcome.result {
            case .succeeded: "succeeded"
            case .failed(_, let retryAt): retryAt == nil ? "dead" : "failed"
            case .postponed: "postponed"
            }
            metrics.deliveries.labels(kind, name).increment()
        }
        if let attempted {
            let elapsed = (ContinuousClock.now - attempted).components
            metrics.deliveryDuration.labels(kind).observe(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
    }

    // MARK: Query

    /// Runs the report on its data source, its rows streamed into every format of the run; a watchdog cancels it
    /// (`PQcancel`) when the run's deadline passes. At most the report's row limit: a longer result is cut there
    /// (`truncated`).
    private func query(_ job: ClaimedExecution, _ prepared: PreparedReportQuery, into rendering: RunRendering, deadline: Date,
                       cancelled: inout Bool) throws -> ReportQueryRunner.Streamed {
        if Date() >= deadline {
            cancelled = true
            throw DeliveryError("the run passed its deadline before its query")
        }
        let source = try sourceConnection(job.dataSourceID)
        var watch: DeadlineWatch?
        defer { if watch?.finish() == true { cancelled = true } }
        do {
            return try ReportQueryRunner(connection: source).stream(
                sql: prepared.sql, binds: prepared.binds, statementTimeoutMs: job.statementTimeoutMs, rowLimit: job.rowLimit,
                watch: { cancel in watch = DeadlineWatch(deadline: deadline) { try? cancel.cancel() } },
                columns: { try rendering.begin(columns: $0) }, row: { try rendering.append($0) })
        } catch {
            if !source.isConnected { sources.remove(job.dataSourceID) }
            throw error
        }
    }

    /// A connection to the data source, kept between executions (at most `sourceConnections`, the least recently
    /// used closed first). The URL is re-read (and unsealed) every `sourceRecheckSeconds` per worker, so an edited data
    /// source takes effect without a restart: a changed URL replaces the connection, a deleted source closes it.
    private func sourceConnection(_ id: UUID) throws -> PostgresConnection {
        try pruneDeletedSources()
        if let cached = sources.get(id), cached.checkedAt.timeIntervalSinceNow > -settings.sourceRecheckSeconds, cached.connection.isConnected {
            return cached.connection
        }
        guard let url = try DataSourceRepository(connection: store, secretKey: secretKey).connectionURL(id: id) else {
            sources.remove(id)
            throw DeliveryError("the data source no longer exists")
        }
        if let cached = sources.get(id), cached.url == url, cached.connection.isConnected {
            sources.set(id, (url, cached.connection, Date()))
            return cached.connection
        }
        sources.remove(id)
        let connection = try PostgresConnection(url: url)
        sources.set(id, (url, connection, Date()))
        return connection
    }

    /// Every `sourceRecheckSeconds`: closes connections whose data source was deleted (they would otherwise stay open until evicted).
    private func pruneDeletedSources() throws {
        guard sourcesPrunedAt.timeIntervalSinceNow < -settings.sourceRecheckSeconds, sources.count > 0 else { return }
        sourcesPrunedAt = Date()
        let existing = try DataSourceRepository(connection: store, secretKey: secretKey).existing(sources.keys)
        for id in sources.keys where !existing.contains(id) { sources.remove(id) }
    }

    /// Data-source connections open now (for tests and diagnostics).
    var openSourceConnections: Int { sources.count }

    private func channel(for delivery: DueDelivery) throws -> any DeliveryChannel {
        // The admin's SMTP server as last read (at most `systemEmailRecheckSeconds` ago): an email channel built
        // with an older one is built anew.
        let systemSMTP = delivery.kind == DestinationKind.email.rawValue ? try alerts.systemSMTP() : nil
        let key = channelKey(delivery)
        if let cached = channels.get(key) { return cached.channel }
        var secretsJSON = "{}"
        if let sealed = delivery.sealedSecrets {
            do {
                let keyring = try SecretKeyring(current: secretKey, previous: settings.previousSecretKey)
                secretsJSON = String(decoding: try keyring.open(sealed, keyID: delivery.secretKeyID), as: UTF8.self)
            } catch {
                throw DeliveryError("the destination's secrets cannot be opened with HERALD_SECRET_KEY (or HERALD_SECRET_KEY_PREVIOUS): \(error)", permanent: true)
            }
        }
        var environment = settings.channels ?? ChannelEnvironment(deliveryRoot: settings.deliveryRoot)
        environment.deliveryRoot = settings.deliveryRoot
        environment.systemSMTP = systemSMTP
        let learned = LearnedHostKey()
        environment.hostKeyLearned = learned.recorder
        let made = try DeliveryChannels.make(kind: delivery.kind, settingsJSON: delivery.settings, secretsJSON: secretsJSON, environment: environment)
        channels.set(key, (made, learned))
        return made
    }

    /// Signed links to the run's files that last `HERALD_LINK_DAYS`, for emails and webhooks (a zipped run's
    /// archive alone).
    private func downloadLinks(_ artifacts: [String: UUID], zipped: Bool) -> [String: String] {
        var base = settings.channels?.baseURL ?? "https://localhost:8443"
        while base.hasSuffix("/") { base.removeLast() }
        var links: [String: String] = [:]
        for (format, id) in artifacts where !zipped || format == "zip" {
            links[format] = base + ArtifactLink.issue(for: id, key: secretKey, lifetime: settings.linkLifetimeSeconds).path
        }
        return links
    }

    /// A cached channel is found by everything it was built from: an edited destination (or, for email, a changed
    /// admin SMTP server) is built anew.
    private func channelKey(_ delivery: DueDelivery) -> String {
        let system = delivery.kind == DestinationKind.email.rawValue ? String(alerts.systemSMTPVersion) : ""
        return [delivery.kind, delivery.settings, delivery.secretKeyID ?? "", delivery.sealedSecrets.map(Hex.encode) ?? "", system]
            .joined(separator: "\u{0}")
    }

    /// Stores the host key an SFTP channel learned on its first connection as the destination's pin.
    private func pinLearnedHostKey(_ delivery: DueDelivery) {
        let key = channelKey(delivery)
        guard let destination = delivery.destinationID, let learned = channels.get(key)?.learned.take() else { return }
        try? DestinationService(connection: store, deliveryRoot: settings.deliveryRoot).pinHostKey(destination, sha256: learned)
    }

    /// One send to the batch's recipients: each row gets its recipient's outcome; a row whose address is no longer
    /// one of the destination's (it was edited since the run began) is not sent to.
    private func deliver(_ batch: DeliveryBatch, through channel: any PerRecipientChannel, files: [RenderedFile],
                         context: DeliveryContext) throws -> (outcomes: [DeliveryOutcome], delivered: [String], anyAccepted: Bool) {
        let current = Set(channel.recipients)
        var outcomes: [DeliveryOutcome] = []
        let sending = batch.deliveries.filter { current.contains($0.recipient) }
        for gone in batch.deliveries where !current.contains(gone.recipient) {
            outcomes.append(DeliveryOutcome(deliveryID: gone.id, result: .failed(
                error: "not sent: \(gone.recipient) is no longer a recipient of the destination", retryAt: nil)))
        }
        guard !sending.isEmpty else { return (outcomes, [], false) }
        let results = Dictionary(try channel.deliver(files, context: context, to: sending.map(\.recipient)).map { ($0.recipient, $0) },
                                 uniquingKeysWith: { first, _ in first })
        var delivered: [String] = []
        var anyAccepted = false
        for delivery in sending {
            guard let result = results[delivery.recipient] else {
                outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .failed(error: "the channel gave no outcome for \(delivery.recipient)", retryAt: nil)))
                continue
            }
            if let error = result.error {
                outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: failure(error, attempts: delivery.attempts)))
            } else {
                anyAccepted = true
                delivered.append("\(delivery.recipient): \(result.detail)")
                outcomes.append(DeliveryOutcome(deliveryID: delivery.id, result: .succeeded(detail: result.detail)))
            }
        }
        return (outcomes, delivered, anyAccepted)
    }

    /// A failed delivery waits for its backoff, at least as long as the receiver asked (`Retry-After`); a permanent
    /// failure, or the last attempt, is dead.
    private func failure(_ error: any Error, attempts: Int) -> DeliveryOutcome.Result {
        let deliveryError = error as? DeliveryError
        guard deliveryError?.permanent != true, let delay = settings.retry.delay(afterAttempt: attempts + 1) else {
            return .failed(error: "\(error)", retryAt: nil)
        }
        return .failed(error: "\(error)", retryAt: Date().addingTimeInterval(max(delay, deliveryError?.retryAfter ?? 0)))
    }

    /// The run's files' names as a destination's pattern makes them (the schedule's, unless the destination sets one).
    private func fileNames(_ settingsJSON: String, files: [RenderedFile], context: DeliveryContext) -> [String: String] {
        guard let names = fileNamePattern(settingsJSON) else { return [:] }
        return Dictionary(files.map { file in
            (file.format, names.fileName(reportName: context.reportName, scheduleName: context.scheduleName, localDateTime: context.localDateTime,
                                         format: file.format, executionID: context.executionID.uuidString.lowercased()))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// A destination's file name pattern, parsed once per settings text (decoding the settings for it on every
    /// delivery was a few percent of a worker's time).
    private func fileNamePattern(_ settingsJSON: String) -> FileNamePattern? {
        if let cached = namePatterns.get(settingsJSON) { return cached }
        struct Naming: Decodable { let filename: String? }
        let pattern = (try? JSONDecoder().decode(Naming.self, from: Data(settingsJSON.utf8)))?.filename
        guard let names = try? FileNamePattern(pattern ?? "{report_name}_{date}_{time}.{format}") else { return nil }
        namePatterns.set(settingsJSON, names)
        return names
    }

    // MARK: Artifacts

    /// Where this attempt's files go, relative to the data directory: `artifacts/YYYY/MM/DD/<execution>-<token>`, so
    /// a retry or a re-send delivers the same bytes without querying again (and the history offers them for download).
    /// Each attempt has a path of its own, recorded only while the lease holds: a worker that lost its lease can never
    /// replace the files another attempt recorded, and removes its own.
    private func artifactBase(_ job: ClaimedExecution) -> String {
        let day = String(UTCInstant.format(Int64(job.scheduledFor.timeIntervalSince1970)).prefix(10).map { $0 == "-" ? "/" : $0 })
        let token = String(UInt32.random(in: .min ... .max), radix: 16)
        return "artifacts/\(day)/\(job.id.uuidString.lowercased())-\(token)"
    }

    /// What the files say about the run: title, description, resolved values, logical and generated times.
    private func renderContext(_ job: ClaimedExecution, _ prepared: PreparedReportQuery) throws -> ReportContext {
        let zone = try ZoneRules.named(job.timeZone)
        let now = Int64(Date().timeIntervalSince1970)
        return ReportContext(reportName: job.reportName, descriptionMarkdown: job.reportDescription,
                             parameters: prepared.shownValues.map { ReportContext.Parameter(name: $0.name, value: $0.value) },
                             logicalTime: try localDateTime(job),
                             generatedAt: UTCInstant.format(now + Int64(zone.offset(at: now)), separator: 0x20, seconds: true, suffix: ""),
                             timeZone: job.timeZone)
    }

    /// `2026-11-30 07:00`: an instant in the schedule's zone, as a skip reason names an earlier run.
    private func localMinute(_ date: Date, _ zoneName: String) throws -> String {
        let zone = try ZoneRules.named(zoneName)
        let instant = Int64(date.timeIntervalSince1970)
        return UTCInstant.format(instant + Int64(zone.offset(at: instant)), separator: 0x20, seconds: false, suffix: "")
    }

    private func localDateTime(_ job: ClaimedExecution) throws -> String {
        let zone = try ZoneRules.named(job.timeZone)
        let slot = Int64(job.scheduledFor.timeIntervalSince1970)
        return UTCInstant.format(slot + Int64(zone.offset(at: slot)), separator: 0x20, seconds: true, suffix: "")
    }
}
