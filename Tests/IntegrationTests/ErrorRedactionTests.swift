import Foundation
import Postgres
import Testing
import TestSupport

/// A value that reaches an error through the server's DETAIL (a row value, a rejected input) never reaches a log
/// line, an execution's error or an owner's notification.
struct ErrorRedactionTests {
    @Test func aCanaryInTheServersDetailNeverLeavesTheDatabase() throws {
        let canary = "canary-\(UUID().uuidString.prefix(12).lowercased())"
        // `'…'::jsonb` fails with DETAIL `Token "canary-…" is invalid.`; the message itself names no value.
        let fixture = try WorkerFixture(sql: "SELECT '\(canary)'::jsonb AS j", workers: 1)
        let owner: UUID = try fixture.store.query("""
            INSERT INTO users (email, display_name, role, password_hash) VALUES ('owner@example.org', 'Owner', 'creator', 'x') RETURNING id
            """)[0].decode("id")
        try fixture.addSchedules(1, owner: owner)
        let scheduler = try fixture.scheduler(["HERALD_LOG_LEVEL": "trace"])
        defer { scheduler.stop() }
        let failed = try waitUntil(60) { try fixture.count("SELECT count(*) FROM executions WHERE status = 'failed'") == 1 }
        #expect(failed, "\(scheduler.output.suffix(2000))")
        let error: String = try fixture.store.query("SELECT error FROM executions")[0].decode("error")
        #expect(error.contains("22P02") && error.contains("invalid input syntax"), "\(error)")
        #expect(!error.contains(canary))
        // The in-app notice is the owner alert's, written just after the run's end is recorded.
        #expect(try waitUntil(10) { try !fixture.store.query("SELECT 1 FROM notifications WHERE user_id = \(owner)").isEmpty })
        let notices = try fixture.store.query("SELECT title || ' ' || body AS text FROM notifications WHERE user_id = \(owner)")
        #expect(!notices.isEmpty)
        for notice in notices { #expect(!(try notice.decode("text", as: String.self)).contains(canary)) }

        // `herald run-once` prints the same outcome to the operator.
        let schedule: UUID = try fixture.store.query("SELECT id FROM schedules")[0].decode("id")
        let run = try fixture.herald(["run-once", schedule.uuidString])
        #expect(run.status == 1 && run.output.contains("22P02"), "\(run.output)")
        #expect(!run.output.contains(canary), "\(run.output)")
        scheduler.stop()
        #expect(!scheduler.output.contains(canary), "a log line carried the canary")
    }
}

/// `herald schedule add` tells the operator what `herald cron explain` would warn about, and still adds the schedule.
struct ScheduleAddWarningTests {
    @Test func anOversizedStepIsAcceptedWithAWarning() throws {
        let fixture = try WorkerFixture(sql: "SELECT 1 AS one")
        let added = try fixture.herald(["schedule", "add", "--report", fixture.report.uuidString, "--cron", "1 1 */100,1-7 * MON",
                                        "--tz", "UTC", "--folder", fixture.folderName])
        #expect(added.status == 0, "\(added.output)")
        #expect(added.output.contains("warning: day-of-month: */100"), "\(added.output)")
        #expect(added.output.contains("must match both day-of-month and day-of-week"), "\(added.output)")
        #expect(try fixture.count("SELECT count(*) FROM schedules WHERE cron LIKE '%*/100%'") == 1)
    }
}
