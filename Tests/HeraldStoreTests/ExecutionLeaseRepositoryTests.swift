import Foundation
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// The lease SQL against a real PostgreSQL: slots of a data source limited to one, parking and waking, and what a
/// worker that lost its lease may still write.
struct ExecutionLeaseRepositoryTests {
    struct Setup {
        let url: String
        let store: PostgresConnection
        let source: UUID
        let executions: [UUID]
    }

    /// A data source limited to one query at a time, and `count` queued manual runs of one report (the last one at
    /// priority 9, the others 5).
    static func setup(count: Int) throws -> Setup {
        let url = try TestDatabase.create()
        let store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        let source: UUID = try store.query("""
            INSERT INTO data_sources (name, url_encrypted, max_concurrency) VALUES ('warehouse', '\\x00'::bytea, 1) RETURNING id
            """)[0].decode("id")
        let report: UUID = try store.query("""
            INSERT INTO reports (name, data_source_id, sql) VALUES ('sales', \(source), 'SELECT 1') RETURNING id
            """)[0].decode("id")
        let executions: [UUID] = try store.query("""
            INSERT INTO executions (report_id, scheduled_for, trigger, priority)
            SELECT \(report), now() - make_interval(secs => \(count) - i), 'manual', CASE WHEN i = \(count) THEN 9 ELSE 5 END
            FROM generate_series(1, \(count)) i ORDER BY i
            RETURNING id
            """).map { try $0.decode("id") }
        return Setup(url: url, store: store, source: source, executions: executions)
    }

    static func claimed(_ result: ClaimResult) throws -> ClaimedExecution {
        guard case .claimed(let job) = result else { throw PostgresError(kind: .query, message: "not claimed: \(result)") }
        return job
    }

    func advisoryLocks(_ store: PostgresConnection) throws -> Int {
        try store.query("""
            SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)[0].decode("n")
    }

    @Test func aReleaseWakesTheBestParkedRunAndTheSweepOnlyFreeSlots() throws {
        let setup = try Self.setup(count: 3)
        let holder = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let waiter = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let sweeper = ExecutionLeaseRepository(connection: setup.store)

        let first = try Self.claimed(try holder.claim(setup.executions[0], owner: "a", leaseSeconds: 30))
        #expect(first.sourceSlot == 0)
        for id in setup.executions.dropFirst() {
            let job = try Self.claimed(try waiter.claim(id, owner: "b", leaseSeconds: 30))
            #expect(job.sourceSlot == nil)
            #expect(try waiter.park(id, owner: "b", dataSourceID: setup.source, maxConcurrency: 1) == nil)
        }
        let parked = try setup.store.query("""
            SELECT count(*)::int AS n FROM executions WHERE status = 'queued' AND waiting_source_id IS NOT NULL AND attempts = 0
            """)[0].decode("n", as: Int.self)
        #expect(parked == 2)
        // Parked runs are not the reconciler's.
        #expect(try ExecutionRepository(connection: setup.store).takeReady(firedGrace: 0).isEmpty)
        // The slot is held: the sweep wakes nobody.
        #expect(try sweeper.wakeStranded().isEmpty)

        // The holder's release wakes the priority-9 run, and only it.
        let woken = try holder.releaseSourceSlot(dataSourceID: setup.source, slot: 0)
        #expect(woken == [WokenRun(id: setup.executions[2], priority: 9)])
        // It is on its way to a worker (marked enqueued): the free slot is its, so the sweep leaves the other alone.
        #expect(try sweeper.wakeStranded().isEmpty)

        // The woken run takes the slot; its holder then vanishes without a release (its process died).
        let second = try Self.claimed(try waiter.claim(setup.executions[2], owner: "b", leaseSeconds: 30))
        #expect(second.sourceSlot == 0)
        #expect(try advisoryLocks(setup.store) == 1)
        try waiter.connection.execute("SELECT pg_advisory_unlock_all()")
        #expect(try sweeper.wakeStranded() == [WokenRun(id: setup.executions[1], priority: 5)])
        #expect(try sweeper.wakeStranded().isEmpty)
    }

    @Test func aWorkerThatLostItsLeaseRecordsNothingButStillFreesItsSlot() throws {
        let setup = try Self.setup(count: 2)
        let loser = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try Self.claimed(try loser.claim(setup.executions[0], owner: "loser", leaseSeconds: 30))
        let slot = try #require(job.sourceSlot)
        // Another run waits for the slot.
        let waiter = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        _ = try Self.claimed(try waiter.claim(setup.executions[1], owner: "b", leaseSeconds: 30))
        #expect(try waiter.park(setup.executions[1], owner: "b", dataSourceID: setup.source, maxConcurrency: 1) == nil)
        // Taken over while the loser was stopped.
        try setup.store.execute("UPDATE executions SET lease_owner = 'winner' WHERE id = \(setup.executions[0])")
        #expect(try !loser.stillHeld(setup.executions[0], owner: "loser", leaseSeconds: 30))

        let started = try loser.startDelivering(setup.executions[0], owner: "loser", destinations: [], rowCount: 1,
                                                artifacts: [KeptArtifact(format: "csv", fileName: "sales.csv", storagePath: "artifacts/x.csv", byteCount: 3, sha256Hex: "010203")],
                                                releasing: (setup.source, slot))
        #expect(started.due == nil)
        #expect(started.woken == [WokenRun(id: setup.executions[1], priority: 9)])
        #expect(try setup.store.query("SELECT count(*)::int AS n FROM artifacts")[0].decode("n", as: Int.self) == 0)
        #expect(try setup.store.query("SELECT count(*)::int AS n FROM executions WHERE step = 'deliver'")[0].decode("n", as: Int.self) == 0)
        #expect(try advisoryLocks(setup.store) == 0)
    }

    @Test func theLeaseHolderRecordsItsArtifactAndFreesItsSlotInOneStatement() throws {
        let setup = try Self.setup(count: 1)
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try Self.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        #expect(job.maxDurationSeconds == 1800)
        #expect(try worker.stillHeld(setup.executions[0], owner: "w", leaseSeconds: 30))
        let started = try worker.startDelivering(setup.executions[0], owner: "w", destinations: [], rowCount: 1,
                                                 artifacts: [KeptArtifact(format: "csv", fileName: "sales.csv", storagePath: "artifacts/x.csv", byteCount: 3, sha256Hex: "010203")],
                                                 releasing: (setup.source, try #require(job.sourceSlot)))
        #expect(started.due?.isEmpty == true)
        #expect(started.woken.isEmpty)
        #expect(try setup.store.query("SELECT count(*)::int AS n FROM artifacts")[0].decode("n", as: Int.self) == 1)
        #expect(try advisoryLocks(setup.store) == 0)
    }

    @Test func oneRoundTripRecordsTheEndOfARunAndClaimsTheNext() throws {
        let setup = try Self.setup(count: 3)
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        func status(_ id: UUID) throws -> String {
            try setup.store.query("SELECT status FROM executions WHERE id = \(id)")[0].decode("status")
        }
        let first = try Self.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        _ = try worker.startDelivering(setup.executions[0], owner: "w", destinations: [], rowCount: 1, artifacts: [],
                                       releasing: (setup.source, try #require(first.sourceSlot)))
        let finishing = ExecutionLeaseRepository.Finish(id: setup.executions[0], owner: "w", outcomes: [], rowCount: 1, timings: [:])
        let both = try worker.finish(finishing, thenClaim: setup.executions[1], owner: "w", leaseSeconds: 30)
        #expect(both.ended?.status == "succeeded")
        // The slot the first run freed is the second's.
        #expect(try Self.claimed(both.claim).sourceSlot == 0)
        #expect(try status(setup.executions[0]) == "succeeded")
        #expect(try status(setup.executions[1]) == "running")

        // A run whose lease was taken over records nothing; the claim of the next still goes through.
        _ = try worker.startDelivering(setup.executions[1], owner: "w", destinations: [], rowCount: 1, artifacts: [],
                                       releasing: (setup.source, 0))
        try setup.store.execute("UPDATE executions SET lease_owner = 'winner' WHERE id = \(setup.executions[1])")
        let lost = try worker.finish(ExecutionLeaseRepository.Finish(id: setup.executions[1], owner: "w", outcomes: [], rowCount: 1,
                                                                     timings: [:]),
                                     thenClaim: setup.executions[2], owner: "w", leaseSeconds: 30)
        #expect(lost.ended == nil)
        #expect(try Self.claimed(lost.claim).id == setup.executions[2])
        #expect(try status(setup.executions[1]) == "running")
        #expect(try setup.store.query("SELECT lease_owner FROM executions WHERE id = \(setup.executions[1])")[0].decode("lease_owner", as: String.self) == "winner")
    }

    @Test func aLeaseIsNotRenewedPastTheReportsDeadline() throws {
        let setup = try Self.setup(count: 2)
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        for id in setup.executions { _ = try Self.claimed(try worker.claim(id, owner: "w", leaseSeconds: 1)) }
        // The first one has been going for longer than its report allows (30 min) plus the grace.
        try setup.store.execute("UPDATE executions SET claimed_at = now() - interval '32 minutes' WHERE id = \(setup.executions[0])")
        try worker.renew(owner: "w", executions: setup.executions, leaseSeconds: 600)
        let renewed: [UUID] = try setup.store.query("""
            SELECT id FROM executions WHERE lease_expires_at > now() + interval '5 minutes'
            """).map { try $0.decode("id") }
        #expect(renewed == [setup.executions[1]])
    }
}
