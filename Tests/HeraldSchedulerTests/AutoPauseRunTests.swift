import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// Auto-pause with real runs of a report that divides by zero (or not, once its switch table has a row), against the
/// real test SMTP server as the admin's: after `pause_after_failures` consecutive failures the schedule pauses itself
/// once, says why, and its owner is told in-app and by email; a success resets the count, and so does a resume.
struct AutoPauseRunTests {
    struct NotFinished: Error {}

    struct Fixture {
        let alerts: OwnerAlertRunTests.Fixture
        let scheduleID: UUID
        let runner: ExecutionRunner
        var store: PostgresConnection { alerts.store }

        init(pauseAfterFailures: Int?) throws {
            alerts = try OwnerAlertRunTests.Fixture(scheduleName: "Stock")
            let destination: UUID = try alerts.store.query("""
                INSERT INTO destinations (name, kind, settings) VALUES ('reports', 'folder', '{"path": "reports"}') RETURNING id
                """)[0].decode("id")
            scheduleID = try ScheduleService(connection: alerts.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100)).create(
                ScheduleDraft(name: "Nightly stock", reportID: alerts.reportID, recurrence: Recurrence(kind: .daily, timeZone: "UTC", time: "06:00"),
                              destinationIDs: [destination], pauseAfterFailures: pauseAfterFailures),
                actor: .commandLine, ownerID: alerts.ownerID).id
            runner = try alerts.runner(every: 100)
        }

        /// Runs the next slot of the schedule to its end and returns its id and status.
        @discardableResult
        func run() throws -> (id: UUID, status: String) {
            let id: UUID = try store.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger)
                VALUES (\(scheduleID), \(alerts.reportID),
                        '2026-11-02 06:00:00+00'::timestamptz + make_interval(hours => (SELECT count(*)::int FROM executions WHERE schedule_id = \(scheduleID))),
                        'schedule')
                RETURNING id
                """)[0].decode("id")
            guard case .finished(let outcome) = try runner.run(id) else { throw NotFinished() }
            return (id, outcome.status)
        }

        func succeedFromNowOn(_ yes: Bool) throws {
            try store.execute(yes ? "INSERT INTO \(unsafeRaw: alerts.switchTable) VALUES (1)" : "DELETE FROM \(unsafeRaw: alerts.switchTable)")
        }

        func state() throws -> (enabled: Bool, note: String, nextRun: Date?) {
            let row = try store.query("SELECT enabled, pause_note, next_run_at FROM schedules WHERE id = \(scheduleID)")[0]
            return (try row.decode("enabled"), try row.decode("pause_note"), try row.decode("next_run_at", as: Date?.self))
        }

        func pausedNotifications() throws -> [UUID] {
            try store.query("""
                SELECT execution_id FROM notifications WHERE user_id = \(alerts.ownerID) AND kind = 'schedule.paused' ORDER BY created_at
                """).map { try $0.decode("execution_id") }
        }
    }

    @Test func threeFailuresInARowPauseTheScheduleOnceAndTellTheOwner() throws {
        let f = try Fixture(pauseAfterFailures: 3)
        #expect(try f.state().nextRun != nil)
        for _ in 0..<2 {
            #expect(try f.run().status == "failed")
            #expect(try f.state().enabled, "not before the third failure")
        }
        #expect(try f.pausedNotifications().isEmpty)
        let third = try f.run()
        #expect(third.status == "failed")
        let state = try f.state()
        #expect(!state.enabled)
        #expect(state.nextRun == nil, "paused as a pause by hand: no next run")
        #expect(state.note.hasPrefix("Paused automatically after 3 consecutive failed runs (last: "), "\(state.note)")
        #expect(state.note.contains("division by zero"), "\(state.note)")
        #expect(try f.pausedNotifications() == [third.id])
        let audit = try f.store.query("""
            SELECT actor_label, details->>'automatic' AS automatic FROM audit_log
            WHERE action = 'schedule.pause' AND subject_id = \(f.scheduleID.uuidString.lowercased())
            """)
        #expect(audit.count == 1)
        #expect(try audit.first?.decode("actor_label", as: String.self) == "scheduler")

        // A run already under way that fails too, and the end seen again (a second scheduler): still one pause.
        #expect(try f.run().status == "failed")
        #expect(try ScheduleAutoPause(connection: f.store).afterFailedRun(third.id) == nil)
        #expect(try f.pausedNotifications() == [third.id])

        let mail = try f.alerts.smtp.waitForMessage { $0.recipients == [f.alerts.owner] && $0.text.contains("paused itself") }
        #expect(f.alerts.subject(mail) == #"Subject: Herald: "Nightly stock" paused itself"#)
        let body = f.alerts.decoded(mail)
        #expect(body.contains("division by zero"), "\(body)")
        #expect(body.contains("/schedules/\(f.scheduleID.uuidString.lowercased())"), "\(body)")
        // The pause email's trail: claimed once with the pause, its sending recorded.
        let trail = try f.store.query("SELECT execution_id, streak, sent_at IS NOT NULL AS sent, error FROM owner_alerts WHERE kind = 'paused'")
        #expect(trail.count == 1)
        #expect(try trail.first?.decode("execution_id", as: UUID?.self) == third.id)
        #expect(try trail.first?.decode("streak", as: Int.self) == 3)
        #expect(try trail.first?.decode("sent", as: Bool.self) == true)
        #expect(try trail.first?.decode("error", as: String?.self) == nil)
    }

    @Test func aSuccessInBetweenStartsTheCountAgain() throws {
        let f = try Fixture(pauseAfterFailures: 3)
        try f.run(); try f.run()
        try f.succeedFromNowOn(true)
        #expect(try f.run().status == "succeeded")
        try f.succeedFromNowOn(false)
        try f.run(); try f.run()
        #expect(try f.state().enabled, "two failures since the success")
        #expect(try f.pausedNotifications().isEmpty)
        try f.run()
        #expect(try !f.state().enabled)
        #expect(try f.pausedNotifications().count == 1)
    }

    @Test func withoutALimitFailuresNeverPause() throws {
        let f = try Fixture(pauseAfterFailures: nil)
        for _ in 0..<5 { #expect(try f.run().status == "failed") }
        #expect(try f.state().enabled)
        #expect(try f.state().note == "")
        #expect(try f.pausedNotifications().isEmpty)
    }

    @Test func aResumedSchedulePausesAgainOnlyAfterAsManyNewFailures() throws {
        let f = try Fixture(pauseAfterFailures: 3)
        for _ in 0..<3 { try f.run() }
        #expect(try !f.state().enabled)
        let service = ScheduleService(connection: f.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100))
        let resumed = try service.resume(f.scheduleID, actor: .commandLine)
        #expect(!resumed.paused && resumed.pauseNote.isEmpty)
        for _ in 0..<2 {
            try f.run()
            #expect(try f.state().enabled, "the failures before the resume do not count")
        }
        let again = try f.run()
        #expect(try !f.state().enabled)
        #expect(try f.pausedNotifications().count == 2)
        #expect(try f.pausedNotifications().last == again.id)
    }

    @Test func oneFailureIsEnoughWhenTheLimitIsOne() throws {
        let f = try Fixture(pauseAfterFailures: 1)
        try f.run()
        let state = try f.state()
        #expect(!state.enabled)
        #expect(state.note.hasPrefix("Paused automatically after a failed run (last: "), "\(state.note)")
    }
}
