import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// A daily 07:00 Europe/Berlin schedule backfilled over 20–29 October 2026, across the end of summer time (25th).
struct ScheduleBackfillTests {
    static let now = Date(timeIntervalSince1970: TimeInterval(UTCInstant.parse("2026-11-15T12:00:00Z")!))
    /// 07:00 local: 05:00 UTC in summer time, 06:00 UTC from the 25th.
    static let expected = (20...29).map { day in
        UTCInstant.parse("2026-10-\(day)T0\(day < 25 ? 5 : 6):00:00Z")!
    }

    func schedule(_ f: ScheduleFixture) throws -> UUID {
        try f.service().create(f.draft(), actor: .user(f.creator)).id
    }

    func runs(_ f: ScheduleFixture, _ id: UUID) throws -> [(slot: Int64, trigger: String, waiting: Bool, superseded: Bool)] {
        try f.connection.query("""
            SELECT extract(epoch FROM scheduled_for)::bigint AS slot, trigger, waiting_for_schedule, superseded_at IS NOT NULL AS superseded
            FROM executions WHERE schedule_id = \(id) ORDER BY scheduled_for, created_at
            """).map { (try $0.decode("slot"), try $0.decode("trigger"), try $0.decode("waiting_for_schedule"), try $0.decode("superseded")) }
    }

    @Test func tenPastDaysBecomeTenBackfillRunsAtTheirLocalSlotsAcrossTheDSTChange() throws {
        let f = try ScheduleFixture()
        let id = try schedule(f)
        let result = try f.service().backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: false, actor: .user(f.creator), now: Self.now)
        #expect(result.created == 10 && result.skipped == 0 && result.executionIDs.count == 10)
        let stored = try runs(f, id)
        #expect(stored.map(\.slot) == Self.expected)
        #expect(stored.allSatisfy { $0.trigger == "backfill" })
        // Only the oldest is on its way; the others wait behind it.
        #expect(stored.map(\.waiting) == [false] + Array(repeating: true, count: 9))
        #expect(try f.audit().last == "schedule.backfill")
    }

    @Test func slotsThatRanAreSkippedUnlessRerunWhichKeepsTheEarlierRunSuperseded() throws {
        let f = try ScheduleFixture()
        let id = try schedule(f)
        let first = try f.service().backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: false, actor: .user(f.creator), now: Self.now)
        let again = try f.service().backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: false, actor: .user(f.creator), now: Self.now)
        #expect(again == BackfillResult(created: 0, rerun: 0, skipped: 10, executionIDs: []))
        // Eight finished, two still queued: a rerun runs the eight again and leaves the two on their way.
        try f.connection.execute("""
            UPDATE executions SET status = 'succeeded', finished_at = now(), waiting_for_schedule = false
            WHERE id = ANY(\(Array(first.executionIDs.prefix(8)))::uuid[])
            """)
        let rerun = try f.service().backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: true, actor: .user(f.creator), now: Self.now)
        #expect(rerun.created == 8 && rerun.rerun == 8 && rerun.skipped == 2)
        let stored = try runs(f, id)
        #expect(stored.count == 18)
        #expect(stored.filter(\.superseded).map(\.slot) == Array(Self.expected.prefix(8)))
        let linked = try f.connection.query("SELECT count(*)::int AS n FROM executions WHERE rerun_of = ANY(\(Array(first.executionIDs.prefix(8)))::uuid[])")
        #expect(try linked[0].decode("n", as: Int.self) == 8)
        // Still one run at a time is on its way (the oldest slot's re-run); the rest wait behind it.
        #expect(try f.connection.query("""
            SELECT count(*)::int AS n FROM executions WHERE schedule_id = \(id) AND status = 'queued' AND NOT waiting_for_schedule
            """)[0].decode("n", as: Int.self) == 1)
    }

    @Test func moreSlotsThanTheLimitFutureDaysAndReversedRangesAreFieldErrors() throws {
        let f = try ScheduleFixture()
        let id = try schedule(f)
        let limited = ScheduleService(connection: f.connection, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 10, maxBackfill: 5))
        do {
            _ = try limited.backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: false, actor: .user(f.creator), now: Self.now)
            Issue.record("a backfill over the limit was accepted")
        } catch let error as ValidationErrors {
            #expect(error.errors.map(\.field) == ["to"])
            #expect(error.errors[0].message.contains("10") && error.errors[0].message.contains("5"))
        }
        #expect(fields { _ = try f.service().backfill(id, from: "2026-11-10", to: "2026-11-20", rerun: false, actor: .user(f.creator), now: Self.now) } == ["to"])
        #expect(fields { _ = try f.service().backfill(id, from: "2026-11-10", to: "2026-11-01", rerun: false, actor: .user(f.creator), now: Self.now) } == ["to"])
        #expect(fields { _ = try f.service().backfill(id, from: "yesterday", to: "", rerun: false, actor: .user(f.creator), now: Self.now) } == ["from", "to"])
        #expect(try runs(f, id).isEmpty)
    }

    @Test func viewersAreRefusedAndOtherCreatorsDoNotSeeTheSchedule() throws {
        let f = try ScheduleFixture()
        let id = try schedule(f)
        try f.service().share(id, emails: ["vic@example.org"], actor: .user(f.creator))
        #expect(throws: Forbidden.self) {
            try f.service().backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: false, actor: .user(f.viewer), now: Self.now)
        }
        #expect(throws: NotFound.self) {
            try f.service().backfill(id, from: "2026-10-20", to: "2026-10-29", rerun: false, actor: .user(f.other), now: Self.now)
        }
        #expect(try f.service().backfill(id, from: "2026-10-20", to: "2026-10-21", rerun: false, actor: .user(f.admin), now: Self.now).created == 2)
    }

    @Test func aBackfillRunAndAFiredRunParkBehindEachOtherAndTheEndOfOneWakesTheNext() throws {
        let f = try ScheduleFixture()
        let id = try schedule(f)
        let backfill = try f.service().backfill(id, from: "2026-10-20", to: "2026-10-22", rerun: false, actor: .user(f.creator), now: Self.now)
        let leases = ExecutionLeaseRepository(connection: f.connection)
        func fired() throws -> UUID {
            try f.connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger) VALUES (\(id), \(f.report), clock_timestamp(), 'schedule')
                RETURNING id
                """)[0].decode("id")
        }
        func waiting() throws -> [UUID] {
            try f.connection.query("SELECT id FROM executions WHERE waiting_for_schedule ORDER BY scheduled_for").map { try $0.decode("id") }
        }
        func claim(_ run: UUID) throws -> ClaimedExecution {
            guard case .claimed(let job) = try leases.claim(run, owner: "w", leaseSeconds: 30) else { throw NotFound("claim") }
            return job
        }
        // A fired run while the backfill waits: it checks, and goes on (no backfill run is running).
        let live = try fired()
        #expect(try claim(live).sharesScheduleWithBackfill)
        #expect(try !leases.parkBehindScheduleRun(live, owner: "w"))
        // The backfill's head, claimed meanwhile, parks behind it; the fired run's end wakes it, not the later slots.
        #expect(try claim(backfill.executionIDs[0]).sharesScheduleWithBackfill)
        #expect(try leases.parkBehindScheduleRun(backfill.executionIDs[0], owner: "w"))
        #expect(try waiting() == backfill.executionIDs)
        try leases.fail(live, owner: "w", error: "boom", timings: [:])
        #expect(try waiting() == Array(backfill.executionIDs.dropFirst()))
        // Now the backfill run runs, and a fired run parks behind it until its end, which wakes the fired run first.
        _ = try claim(backfill.executionIDs[0])
        #expect(try !leases.parkBehindScheduleRun(backfill.executionIDs[0], owner: "w"))
        let later = try fired()
        _ = try claim(later)
        #expect(try leases.parkBehindScheduleRun(later, owner: "w"))
        let ended = try leases.finish(ExecutionLeaseRepository.Finish(id: backfill.executionIDs[0], owner: "w", outcomes: [], rowCount: 1,
                                                                      timings: [:]))
        #expect(ended?.status == "succeeded")
        #expect(try waiting() == Array(backfill.executionIDs.dropFirst()))
        #expect(try f.connection.query("SELECT started_at IS NULL AS fresh FROM executions WHERE id = \(later)")[0].decode("fresh", as: Bool.self),
                "a parked run has not started")
    }
}
