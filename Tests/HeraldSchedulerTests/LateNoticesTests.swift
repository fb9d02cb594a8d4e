import Crypto
import Foundation
import HeraldDelivery
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// The "data late" check against a real database: a slot whose run is failing or still queued a minute after it is
/// told once (checked again, or by a second scheduler, it is not told again); a succeeded one, a schedule without a
/// deadline and one paused by hand are not.
struct LateNoticesTests {
    struct Fixture {
        let f: RetentionFixture
        let owner: UUID

        init() throws {
            f = try RetentionFixture()
            owner = try AccountService(connection: f.connection).addUser(email: "owner-\(UUID().uuidString.prefix(8))@example.org", role: .creator,
                                                                       password: "correct horse battery staple", actor: "test").user.id
        }

        func schedule(deadline: Int?) throws -> (id: UUID, slot: Date) {
            let recurrence = Recurrence(kind: .daily, timeZone: "UTC", time: "06:00")
            let id = try ScheduleService(connection: f.connection, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100)).create(
                ScheduleDraft(name: "Morning", reportID: f.report, recurrence: recurrence, destinationIDs: [f.destination], deadlineMinutes: deadline),
                actor: .commandLine, ownerID: owner).id
            let slot = try #require(try recurrence.nextRun(after: Int64(Date().timeIntervalSince1970), runsSoFar: 0))
            return (id, Date(timeIntervalSince1970: TimeInterval(slot)))
        }

        @discardableResult
        func run(_ schedule: UUID, slot: Date, status: String) throws -> UUID {
            try f.connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, status, error, finished_at)
                VALUES (\(schedule), \(f.report), \(slot), 'schedule', \(status), CASE WHEN \(status) = 'failed' THEN 'division by zero' END,
                        CASE WHEN \(status) IN ('failed', 'succeeded') THEN \(slot)::timestamptz + interval '10 seconds' END)
                RETURNING id
                """)[0].decode("id")
        }

        func notices() throws -> [UUID?] {
            try f.connection.query("SELECT execution_id FROM notifications WHERE user_id = \(owner) AND kind = 'schedule.late'").map {
                try $0.decode("execution_id", as: UUID?.self)
            }
        }
    }

    @Test func aFailingRunPastItsDeadlineIsToldOnce() throws {
        let fx = try Fixture()
        let (schedule, slot) = try fx.schedule(deadline: 1)
        let run = try fx.run(schedule, slot: slot, status: "failed")
        let late = LateNotices(connection: fx.f.connection)
        #expect(try late.check(now: slot.addingTimeInterval(30)).isEmpty, "not before the deadline")
        let told = try late.check(now: slot.addingTimeInterval(120))
        #expect(told.map(\.scheduleID) == [schedule])
        #expect(told.first?.executionID == run)
        #expect(try fx.notices() == [run])
        // Checked again later, or by another scheduler: not told again.
        #expect(try late.check(now: slot.addingTimeInterval(180)).isEmpty)
        #expect(try LateNotices(connection: PostgresConnection(url: fx.f.url)).check(now: slot.addingTimeInterval(240)).isEmpty)
        #expect(try fx.notices() == [run])
        let body: String = try fx.f.connection.query("SELECT body FROM notifications WHERE kind = 'schedule.late'")[0].decode("body")
        #expect(body.contains("had not succeeded 1 minutes after its slot"), "\(body)")
    }

    @Test func aQueuedRunIsLateAndASucceededOneIsNot() throws {
        let fx = try Fixture()
        let (queued, slot) = try fx.schedule(deadline: 1)
        let (succeeded, _) = try fx.schedule(deadline: 1)
        let (noDeadline, _) = try fx.schedule(deadline: nil)
        let (pausedByHand, _) = try fx.schedule(deadline: 1)
        try fx.run(queued, slot: slot, status: "queued")
        try fx.run(succeeded, slot: slot, status: "succeeded")
        try fx.run(noDeadline, slot: slot, status: "failed")
        _ = try ScheduleService(connection: fx.f.connection, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100))
            .pause(pausedByHand, actor: .commandLine)
        let told = try LateNotices(connection: fx.f.connection).check(now: slot.addingTimeInterval(120))
        #expect(told.map(\.scheduleID) == [queued])
        #expect(try fx.notices().count == 1)
    }

    @Test func aScheduleThatPausedItselfIsLateEvenWithoutARun() throws {
        let fx = try Fixture()
        let (schedule, slot) = try fx.schedule(deadline: 5)
        try fx.f.connection.execute("UPDATE schedules SET enabled = false, paused_automatically = true WHERE id = \(schedule)")
        let told = try LateNotices(connection: fx.f.connection).check(now: slot.addingTimeInterval(600))
        #expect(told.map(\.scheduleID) == [schedule])
        #expect(told.first?.executionID == nil)
        #expect(try fx.notices() == [nil])
    }

    @Test func theLateEmailIsSentOnceAndRecordedInOwnerAlerts() throws {
        let fx = try Fixture()
        let smtp = try DeliveryServers.smtp()
        let key = SecretBox.generateKey()
        try SystemEmailService(connection: fx.f.connection, keyring: try SecretKeyring(current: key)).save(SystemEmailService.Input(
            host: "127.0.0.1", port: String(smtp.port), security: "plain", fromAddress: "herald@example.org", fromName: "Herald"), actor: .commandLine)
        let email: String = try fx.f.connection.query("SELECT email FROM users WHERE id = \(fx.owner)")[0].decode("email")
        let (fired, slot) = try fx.schedule(deadline: 5)
        let run = try fx.run(fired, slot: slot, status: "failed")
        let (neverFired, _) = try fx.schedule(deadline: 5)
        try fx.f.connection.execute("UPDATE schedules SET enabled = false, paused_automatically = true WHERE id = \(neverFired)")
        let mailer = OwnerAlertMailer(store: fx.f.connection, keyring: { try SecretKeyring(current: key) }, every: 5,
                                      environment: ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), baseURL: "https://herald.example.org"))
        let told = try LateNotices(connection: fx.f.connection).check(now: slot.addingTimeInterval(600))
        #expect(Set(told.map(\.scheduleID)) == [fired, neverFired])
        for late in told { mailer.scheduleLate(late) }
        // A second check (another scheduler) claims nothing, so sends nothing.
        #expect(try LateNotices(connection: PostgresConnection(url: fx.f.url)).check(now: slot.addingTimeInterval(660)).isEmpty)
        let trail = try fx.f.connection.query("""
            SELECT schedule_id, execution_id, scheduled_for, sent_at IS NOT NULL AS sent FROM owner_alerts WHERE kind = 'late' ORDER BY created_at
            """)
        #expect(trail.count == 2)
        for row in trail {
            let schedule: UUID = try row.decode("schedule_id")
            #expect(try row.decode("execution_id", as: UUID?.self) == (schedule == fired ? run : nil))
            #expect(try row.decode("scheduled_for", as: Date.self) == slot)
            #expect(try row.decode("sent", as: Bool.self))
        }
        let mail = try smtp.messages().filter { $0.recipients == [email] }
        #expect(mail.count == 2, "one email per late schedule")
    }
}
