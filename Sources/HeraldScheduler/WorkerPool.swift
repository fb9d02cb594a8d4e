import Foundation
import HeraldCore
import HeraldMetrics
import HeraldQueue
import HeraldStore
import Logging
import Postgres
import Redis

/// The worker side of `herald scheduler`: OS threads that read execution ids from the streams and run them, plus one
/// lease keeper that renews this process's leases, keeps its pending stream entries fresh, and takes over entries
/// whose consumer died (`XAUTOCLAIM`). Each thread owns its own PostgreSQL and Redis connections.
public final class WorkerPool: @unchecked Sendable {
    let config: HeraldConfig
    let consumer: String
    let logger: Logger
    let settings: ExecutionRunner.Settings
    let metrics: SchedulerMetrics?

    private let lock = NSCondition()
    /// Set by `drain`: workers stop fetching. The lease keeper goes on renewing until `keeperStopping`.
    private var stopping = false
    private var keeperStopping = false
    /// Worker threads still running (the keeper not counted).
    private var running = 0
    private var keeperRunning = false
    /// Entries being worked on now, by execution.
    private var inFlight: [UUID: ExecutionQueue.Entry] = [:]
    /// Entries the keeper reclaimed for this process; workers take these before reading the streams.
    private var reclaimed: [ExecutionQueue.Entry] = []
    /// Entries of executions that arrived while this process was already running them, by execution.
    private var arrivedWhileInFlight: [UUID: [ExecutionQueue.Entry]] = [:]
    /// The drain's deadline passed and the unfinished runs are being given back (see `ExecutionRunner.handedBack`).
    private var handingBack = false

    public init(config: HeraldConfig, consumer: String, logger: Logger, metrics: SchedulerMetrics? = nil) {
        self.config = config
        self.consumer = consumer
        self.logger = logger
        self.metrics = metrics
        settings = ExecutionRunner.Settings(config: config)
    }

    public var inFlightCount: Int { lock.withLock { inFlight.count } }

    public func start() {
        lock.withLock {
            running = config.workers
            keeperRunning = true
        }
        for index in 0..<config.workers {
            spawn("herald-worker-\(index)") {
                self.workLoop()
                self.lock.withLock {
                    self.running -= 1
                    self.lock.broadcast()
                }
            }
        }
        spawn("herald-lease-keeper") {
            self.keepLeases()
            self.lock.withLock {
                self.keeperRunning = false
                self.lock.broadcast()
            }
        }
    }

    /// Stops fetching, waits up to `deadline` for in-flight executions while the lease keeper goes on renewing their
    /// leases (a run longer than what is left of its lease must not be reclaimed and delivered twice), then hands
    /// the unfinished ones back to the queue (another worker starts them again; the attempt is not counted), stops
    /// the keeper and returns.
    public func drain(deadline: TimeInterval) {
        lock.lock()
        stopping = true
        lock.broadcast()
        let until = Date().addingTimeInterval(deadline)
        while running > 0 && lock.wait(until: until) {}
        let unfinished = Array(inFlight.keys)
        handingBack = !unfinished.isEmpty
        lock.unlock()
        if !unfinished.isEmpty {
            logger.warning("handing back unfinished executions", metadata: ["count": "\(unfinished.count)"])
            do {
                let store = try PostgresConnection(url: config.databaseURL)
                let leases = ExecutionLeaseRepository(connection: store)
                for id in unfinished { try leases.giveBack(id, owner: consumer, notBefore: nil) }
            } catch {
                logger.error("could not hand back executions; their leases expire instead", metadata: ["error": "\(error)"])
            }
        }
        lock.lock()
        keeperStopping = true
        lock.broadcast()
        let keeperUntil = Date().addingTimeInterval(2)
        while keeperRunning && lock.wait(until: keeperUntil) {}
        lock.unlock()
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { body() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Sleeps up to `seconds`, returning early when stopping (for the keeper: when the keeper is to stop).
    private func pause(_ seconds: TimeInterval, keeper: Bool = false) {
        lock.lock()
        let until = Date().addingTimeInterval(seconds)
        while !(keeper ? keeperStopping : stopping) && lock.wait(until: until) {}
        lock.unlock()
    }

    // MARK: Workers

    private func workLoop() {
        var store: PostgresConnection?
        var redis: RedisConnection?
        var runner: ExecutionRunner?
        var backoff: TimeInterval = 0.2
        var finished: [ExecutionQueue.Entry] = []
        // The last run, delivered: its end is recorded with the next claim (one round trip and one commit fewer), or
        // alone before this worker waits for entries. It stays in flight until then, so its lease is renewed.
        var delivered: (entry: ExecutionQueue.Entry, run: ExecutionRunner.Delivered)?
        defer { if let redis, !finished.isEmpty { try? ExecutionQueue(redis: redis).ack(finished) } }
        while !isStopping {
            do {
                if store == nil || redis == nil {
                    let connectedStore = try PostgresConnection(url: config.databaseURL)
                    // A worker's commits need not wait for the WAL flush: if PostgreSQL itself crashes, the last
                    // fraction of a second of them may be lost, and those runs are re-run (delivery is at-least-once,
                    // with stable idempotency keys). Firing, in its own session, stays fully synchronous.
                    try ExecutionLeaseRepository(connection: connectedStore).commitAsynchronously()
                    let connectedRedis = try RedisConnection(url: config.redisURL, commandTimeout: 10)
                    try ExecutionQueue(redis: connectedRedis).ensureGroups()
                    store = connectedStore
                    redis = connectedRedis
                    runner = ExecutionRunner(store: connectedStore, secretKey: config.secretKey, settings: settings, owner: consumer,
                                             breaker: CircuitBreaker(redis: connectedRedis)) { [weak self] woken in
                        self?.enqueueWoken(woken, store: connectedStore, redis: connectedRedis)
                    }
                    runner?.sendingRate = SendingRate(redis: connectedRedis, perMinute: config.smtpMessagesPerMinute)
                    runner?.metrics = metrics
                    runner?.handedBack = { [weak self] in self.map { pool in pool.lock.withLock { pool.handingBack } } ?? true }
                }
                let queue = ExecutionQueue(redis: redis!)
                let entries: [ExecutionQueue.Entry]
                if let entry = lock.withLock({ reclaimed.popLast() }) {
                    entries = [entry]
                } else {
                    do {
                        // Finished entries are acknowledged with the next read: one round trip for both.
                        if let last = delivered {
                            entries = try queue.nextNow(consumer: consumer, acking: finished)
                            finished = []
                            if entries.isEmpty {
                                delivered = nil
                                if try settle(last.entry, runner!.record(last.run)) { finished.append(last.entry) }
                                continue
                            }
                        } else {
                            entries = try queue.next(consumer: consumer, blockMilliseconds: 1000, acking: finished)
                            finished = []
                        }
                    } catch let error as RedisError where error.message.contains("NOGROUP") {
                        finished = []
                        try queue.ensureGroups()   // Redis lost the streams; the reconciler re-enqueues from PostgreSQL
                        continue
                    }
                }
                for entry in entries where try process(entry, runner: runner!, delivered: &delivered, finished: &finished) {
                    finished.append(entry)
                }
                backoff = 0.2
            } catch {
                // A delivered run whose end was not recorded yet: recorded now if PostgreSQL still answers (the failure
                // may be Redis's alone), else its lease runs out and another attempt takes it over, delivering again.
                if let last = delivered {
                    if let runner, (try? settle(last.entry, runner.record(last.run))) == true {
                        finished.append(last.entry)
                    } else {
                        settled(last.entry)
                    }
                }
                delivered = nil
                logger.warning("worker lost its connections; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                store = nil
                redis = nil
                runner = nil
                pause(backoff)
                backoff = min(backoff * 2, 10)
            }
        }
        if let last = delivered {
            if let runner, (try? settle(last.entry, runner.record(last.run))) == true {
                finished.append(last.entry)
            } else {
                settled(last.entry)
            }
        }
    }

    /// Runs the entry's execution, recording `delivered` (the previous run) with its claim; true when the entry
    /// should be acknowledged. A run that ends delivered is left in `delivered`, still in flight.
    private func process(_ entry: ExecutionQueue.Entry, runner: ExecutionRunner,
                         delivered: inout (entry: ExecutionQueue.Entry, run: ExecutionRunner.Delivered)?,
                         finished: inout [ExecutionQueue.Entry]) throws -> Bool {
        let duplicate = lock.withLock { () -> Bool in
            if inFlight[entry.executionID] != nil {
                arrivedWhileInFlight[entry.executionID, default: []].append(entry)
                return true
            }
            inFlight[entry.executionID] = entry
            return false
        }
        // The same id twice on the streams: this process is already on it. The entry is not dropped: it may be a
        // wake-up that arrived while this process was parking the run, so it is run again once the first is done
        // (a real duplicate then finds the execution finished, and is acknowledged).
        if duplicate { return false }
        var leftDelivered = false
        defer { if !leftDelivered { settled(entry) } }
        let result: ExecutionRunner.Result
        do {
            let (previous, claim) = try runner.claim(entry.executionID, recording: delivered?.run)
            if let last = delivered, let previous {
                delivered = nil
                if settle(last.entry, previous) { finished.append(last.entry) }
            }
            switch try runner.proceed(claim) {
            case .done(let done):
                result = done
            case .delivered(let run):
                delivered = (entry, run)
                leftDelivered = true
                return false
            }
        } catch {
            // PostgreSQL failed mid-run: the lease runs out and another attempt takes over; keep the entry pending.
            logger.error("execution interrupted", metadata: ["execution_id": "\(entry.executionID)", "error": "\(error)"])
            throw error
        }
        return log(entry, result)
    }

    /// Takes a run out of flight (its end is recorded) and logs how it ended; true when its entry should be acknowledged.
    private func settle(_ entry: ExecutionQueue.Entry, _ result: ExecutionRunner.Result) -> Bool {
        settled(entry)
        return log(entry, result)
    }

    /// The entry's run is no longer this worker's: the lease keeper stops renewing it, and entries of the same
    /// execution that arrived meanwhile are run again.
    private func settled(_ entry: ExecutionQueue.Entry) {
        lock.withLock {
            inFlight.removeValue(forKey: entry.executionID)
            if let later = arrivedWhileInFlight.removeValue(forKey: entry.executionID) { reclaimed.append(contentsOf: later) }
        }
    }

    /// Logs how a run ended; true when its entry should be acknowledged.
    private func log(_ entry: ExecutionQueue.Entry, _ result: ExecutionRunner.Result) -> Bool {
        switch result {
        case .notClaimed(.leasedElsewhere):
            // Its owner may yet die: leave the entry pending, to be reclaimed after the lease.
            return false
        case .leaseLost:
            // The entry is the new owner's now (it reclaimed it): leave it to that worker.
            logger.warning("lost the lease mid-run; another worker took the execution over and this attempt wrote nothing",
                           metadata: ["execution_id": "\(entry.executionID)"])
            return false
        case .finished(let outcome):
            var metadata: Logger.Metadata = ["execution_id": "\(entry.executionID)", "status": "\(outcome.status)"]
            // Why a run failed belongs in the journal as well as on the run (the same text, made without secrets).
            if let error = outcome.error, outcome.status == "failed" || outcome.status == "partial" { metadata["error"] = "\(error)" }
            logger.info("execution finished", metadata: metadata)
        case .retrying(let until, _):
            logger.info("deliveries will be retried", metadata: ["execution_id": "\(entry.executionID)", "at": "\(until)"])
        case .deferred, .notClaimed(.notRunnable):
            break
        }
        return true
    }

    /// Puts runs woken from their data-source wait on their streams (they are marked enqueued already); if Redis
    /// fails, unmarks them so the reconciler enqueues them.
    private func enqueueWoken(_ woken: [WokenRun], store: PostgresConnection, redis: RedisConnection) {
        guard !woken.isEmpty else { return }
        do {
            try ExecutionQueue(redis: redis).enqueue(woken.map { (id: $0.id, priority: $0.priority) })
        } catch {
            try? ExecutionRepository(connection: store).releaseTaken(woken.map(\.id))
        }
    }

    // MARK: Lease keeper

    /// Every third of a lease: renew this process's leases in PostgreSQL, reset the idle time of its in-flight
    /// stream entries, and (unless draining) reclaim entries idle for longer than a lease (their consumer died).
    /// Every few seconds also wakes runs parked on data sources whose slots freed without a release. It runs
    /// until `drain` has handed back what did not finish, so leases stay renewed through the drain. Failures are
    /// logged when the state changes, not on every tick.
    private func keepLeases() {
        var store: PostgresConnection?
        var redis: RedisConnection?
        var postgresFailing = false
        var redisFailing = false
        var strandedCheckedAt = Date.distantPast
        let interval = max(config.leaseSeconds / 3, 0.2)
        while !lock.withLock({ keeperStopping }) {
            let draining = isStopping
            var woken: [WokenRun] = []
            do {
                if store == nil { store = try PostgresConnection(url: config.databaseURL) }
                let leases = ExecutionLeaseRepository(connection: store!)
                try leases.renew(owner: consumer, executions: lock.withLock { Array(inFlight.keys) }, leaseSeconds: config.leaseSeconds)
                if !draining && strandedCheckedAt.timeIntervalSinceNow < -Self.strandedInterval {
                    strandedCheckedAt = Date()
                    woken = try leases.wakeStranded()
                }
                if postgresFailing {
                    postgresFailing = false
                    logger.info("lease keeper reaches PostgreSQL again")
                }
            } catch {
                store = nil
                if !postgresFailing {
                    postgresFailing = true
                    logger.warning("cannot renew leases in PostgreSQL; retrying every tick", metadata: ["error": "\(error)"])
                }
            }
            do {
                if redis == nil { redis = try RedisConnection(url: config.redisURL, commandTimeout: 10) }
                let queue = ExecutionQueue(redis: redis!)
                // Entries that arrived twice while in flight are this process's too: they must not look abandoned.
                try queue.touch(lock.withLock { Array(inFlight.values) + arrivedWhileInFlight.values.joined() }, consumer: consumer)
                if !woken.isEmpty {
                    try queue.enqueue(woken.map { (id: $0.id, priority: $0.priority) })
                    woken = []
                }
                if !draining {
                    let taken = try queue.reclaim(consumer: consumer, minIdleMilliseconds: Int(config.leaseSeconds * 1000))
                    if !taken.isEmpty {
                        metrics?.leasesReclaimed.increment(by: UInt64(taken.count))
                        logger.info("reclaimed stream entries of a stopped worker", metadata: ["count": "\(taken.count)"])
                        lock.withLock { reclaimed.append(contentsOf: taken) }
                    }
                }
                if redisFailing {
                    redisFailing = false
                    logger.info("lease keeper reaches Redis again")
                }
            } catch {
                redis = nil
                if !redisFailing {
                    redisFailing = true
                    logger.warning("lease keeper cannot use Redis; stream entries of this process may be reclaimed elsewhere",
                                   metadata: ["error": "\(error)"])
                }
            }
            if !woken.isEmpty, let store { try? ExecutionRepository(connection: store).releaseTaken(woken.map(\.id)) }
            pause(interval, keeper: true)
        }
    }

    /// How often the keeper looks for parked runs whose data source has a free slot nobody released to them.
    static let strandedInterval: TimeInterval = 5
}
