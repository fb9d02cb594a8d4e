import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Conditional delivery's SQL: a run ended `skipped` under its lease, and the last delivered result a later
/// `if_changed` run compares with.
struct ExecutionLeaseSkipTests {
    typealias Setup = ExecutionLeaseRepositoryTests.Setup

    func count(_ store: PostgresConnection, _ query: PostgresQuery) throws -> Int {
        try store.query(query)[0].decode("n")
    }

    func advisoryLocks(_ store: PostgresConnection) throws -> Int {
        try count(store, """
            SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
    }

    @Test func theLeaseHolderEndsItsRunSkippedWithTheReasonAndFreesItsSlot() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 2)
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        let slot = try #require(job.sourceSlot)
        let waiter = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        _ = try ExecutionLeaseRepositoryTests.claimed(try waiter.claim(setup.executions[1], owner: "b", leaseSeconds: 30))
        #expect(try waiter.park(setup.executions[1], owner: "b", dataSourceID: setup.source, maxConcurrency: 1) == nil)

        let digest = [UInt8](repeating: 7, count: 32)
        let ended = try worker.skip(setup.executions[0], owner: "w", reason: "total 1,204 is not > 5,000", rowCount: 12, truncated: true,
                                    resultDigest: digest, timings: ["query": 0.5], releasing: (setup.source, slot))
        #expect(ended.skipped)
        #expect(ended.woken == [WokenRun(id: setup.executions[1], priority: 9)])
        let row = try setup.store.query("""
            SELECT status, skip_reason, row_count, truncated, result_sha256, finished_at IS NOT NULL AS finished, lease_owner,
                   step_timings ? 'query' AS timed
            FROM executions WHERE id = \(setup.executions[0])
            """)[0]
        #expect(try row.decode("status", as: String.self) == "skipped")
        #expect(try row.decode("skip_reason", as: String.self) == "total 1,204 is not > 5,000")
        #expect(try row.decode("row_count", as: Int.self) == 12)
        #expect(try row.decode("truncated", as: Bool.self))
        #expect(try row.decode("result_sha256", as: [UInt8].self) == digest)
        #expect(try row.decode("finished", as: Bool.self))
        #expect(try row.decode("lease_owner", as: String?.self) == nil)
        #expect(try row.decode("timed", as: Bool.self))
        #expect(try advisoryLocks(setup.store) == 0)
    }

    @Test func aWorkerThatLostItsLeaseSkipsNothingButStillFreesItsSlot() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 1)
        let loser = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try loser.claim(setup.executions[0], owner: "loser", leaseSeconds: 30))
        try setup.store.execute("UPDATE executions SET lease_owner = 'winner' WHERE id = \(setup.executions[0])")

        let ended = try loser.skip(setup.executions[0], owner: "loser", reason: "no rows", rowCount: 0, truncated: false,
                                   resultDigest: [UInt8](repeating: 1, count: 32), releasing: (setup.source, try #require(job.sourceSlot)))
        #expect(!ended.skipped)
        #expect(try count(setup.store, """
            SELECT count(*)::int AS n FROM executions
            WHERE status = 'running' AND lease_owner = 'winner' AND skip_reason IS NULL AND result_sha256 IS NULL
            """) == 1)
        #expect(try advisoryLocks(setup.store) == 0)
    }

    @Test func theLastDeliveredResultIsTheNewestDeliveredRunWithADigest() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 1)
        let leases = ExecutionLeaseRepository(connection: setup.store)
        let report: UUID = try setup.store.query("SELECT id FROM reports LIMIT 1")[0].decode("id")
        let schedule: UUID = try setup.store.query("""
            INSERT INTO schedules (report_id, recurrence, time_zone) VALUES (\(report), '{}'::jsonb, 'UTC') RETURNING id
            """)[0].decode("id")
        #expect(try leases.lastDeliveredResult(scheduleID: schedule) == nil)

        func run(_ slot: String, _ status: String, digest: UInt8?, finishedMinutesAgo: Int) throws {
            try setup.store.execute("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, status, result_sha256, finished_at)
                VALUES (\(schedule), \(report), \(slot)::timestamptz, 'schedule', \(status),
                        \(digest.map { [UInt8](repeating: $0, count: 32) })::bytea,
                        now() - make_interval(mins => \(finishedMinutesAgo)))
                """)
        }
        try run("2026-11-28 07:00Z", "succeeded", digest: 1, finishedMinutesAgo: 50)
        try run("2026-11-29 07:00Z", "partial", digest: 2, finishedMinutesAgo: 40)
        try run("2026-11-30 07:00Z", "skipped", digest: 3, finishedMinutesAgo: 30)
        try run("2026-12-01 07:00Z", "failed", digest: 4, finishedMinutesAgo: 20)
        try run("2026-12-02 07:00Z", "succeeded", digest: nil, finishedMinutesAgo: 10)

        let last = try #require(try leases.lastDeliveredResult(scheduleID: schedule))
        #expect(last.digest == [UInt8](repeating: 2, count: 32))
        #expect(last.scheduledFor == Date(timeIntervalSince1970: 1_795_935_600))
    }

    @Test func theClaimCarriesTheSchedulesDeliveryCondition() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 2)
        let report: UUID = try setup.store.query("SELECT id FROM reports LIMIT 1")[0].decode("id")
        let schedule: UUID = try setup.store.query("""
            INSERT INTO schedules (report_id, recurrence, time_zone, delivery_condition)
            VALUES (\(report), '{}'::jsonb, 'UTC', '{"mode":"if_condition","measure":"sum","column":"amount","operator":">","threshold":"5000"}')
            RETURNING id
            """)[0].decode("id")
        try setup.store.execute("UPDATE executions SET schedule_id = \(schedule) WHERE id = \(setup.executions[0])")
        let leases = ExecutionLeaseRepository(connection: setup.store)
        let scheduled = try ExecutionLeaseRepositoryTests.claimed(try leases.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        #expect(scheduled.deliveryCondition == DeliveryCondition(measure: .sum, column: "amount", .greater, "5000"))
        let manual = try ExecutionLeaseRepositoryTests.claimed(try leases.claim(setup.executions[1], owner: "w", leaseSeconds: 30))
        #expect(manual.deliveryCondition == .always)
    }

    @Test func startDeliveringKeepsTheResultDigestWhenGivenOne() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 1)
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        let digest = [UInt8](repeating: 9, count: 32)
        _ = try worker.startDelivering(setup.executions[0], owner: "w", destinations: [], rowCount: 1, artifacts: [],
                                       releasing: (setup.source, try #require(job.sourceSlot)), resultDigest: digest)
        #expect(try setup.store.query("SELECT result_sha256 FROM executions WHERE id = \(setup.executions[0])")[0]
            .decode("result_sha256", as: [UInt8].self) == digest)
    }
}
