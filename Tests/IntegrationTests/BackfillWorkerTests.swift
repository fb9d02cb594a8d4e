import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport

/// Backfill runs with real `herald scheduler` processes: they run one after another, never beside the schedule's
/// fired run, and a scheduler killed with -9 mid-chain loses none of them.
@Suite(.serialized)
struct BackfillWorkerTests {
    @Test func tenBackfillRunsAndAFiredRunNeverOverlapEvenAcrossAKillNine() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one FROM pg_sleep(0.3)", workers: 4)
        try fixture.store.execute("UPDATE data_sources SET max_concurrency = 4")
        let schedule = try #require(try fixture.addSchedules(1, cron: "0 7 * * *", overlap: "allow").first)
        let days: (from: String, to: String) = try {
            let row = try fixture.store.query("""
                SELECT to_char(current_date - 11, 'YYYY-MM-DD') AS from_day, to_char(current_date - 2, 'YYYY-MM-DD') AS to_day
                """)[0]
            return (try row.decode("from_day"), try row.decode("to_day"))
        }()
        let queued = try fixture.herald(["schedule", "backfill", schedule.uuidString, "--from", days.from, "--to", days.to])
        #expect(queued.status == 0 && queued.output.contains("queued 10 run(s)"), "\(queued.output)")

        let first = try fixture.scheduler()
        defer { first.stop() }
        let some = try waitUntil(60) { try fixture.count("SELECT count(*) FROM executions WHERE trigger = 'backfill' AND status = 'succeeded'") >= 3 }
        #expect(some, "\(first.output.suffix(2000))")
        first.signal(SIGKILL)
        _ = first.wait(timeout: 10)
        let second = try fixture.scheduler()
        defer { second.stop() }
        let done = try waitUntil(90) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'") == 11 }
        let succeeded = try fixture.count("SELECT count(*) FROM executions WHERE status = 'succeeded'")
        #expect(done, "\(succeeded) of 11 succeeded\n\(second.output.suffix(2000))")

        let runs = try fixture.store.query("""
            SELECT trigger, scheduled_for, started_at, finished_at FROM executions WHERE schedule_id = \(schedule) ORDER BY started_at
            """).map { (trigger: try $0.decode("trigger", as: String.self), slot: try $0.decode("scheduled_for", as: Date.self),
                        started: try $0.decode("started_at", as: Date.self), finished: try $0.decode("finished_at", as: Date.self)) }
        #expect(runs.count == 11)
        #expect(runs.filter { $0.trigger == "backfill" }.count == 10)
        for (earlier, later) in zip(runs, runs.dropFirst()) {
            #expect(later.started >= earlier.finished, "a \(later.trigger) run started at \(later.started) before a \(earlier.trigger) run ended at \(earlier.finished)")
        }
        let backfillSlots = runs.filter { $0.trigger == "backfill" }.map(\.slot)
        #expect(backfillSlots == backfillSlots.sorted(), "backfill runs went out of slot order")
        #expect(try fixture.count("SELECT count(*) FROM executions WHERE waiting_for_schedule") == 0)
    }
}
