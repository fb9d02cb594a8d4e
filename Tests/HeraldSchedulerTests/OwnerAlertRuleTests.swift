import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// The owner-alert rules (issue 12) with real runs against real PostgreSQL and the test SMTP server as the admin's:
/// the owner's own rule (first failure only, every Nth, recovery on or off, email off, in-app off) and a schedule's
/// override of it, each channel checked on its own: the SMTP server's messages and the `notifications` rows.
struct OwnerAlertRuleTests {
    typealias Fixture = OwnerAlertRunTests.Fixture

    /// Runs the next slots: `failures` failed runs, then `successes` succeeded ones; returns the runs' ids in order.
    static func run(_ f: Fixture, failures: Int, successes: Int = 0, every: Int = 5) throws -> [UUID] {
        let runner = try f.runner(every: every)
        var ids: [UUID] = []
        let done: Int = try f.store.query("SELECT count(*)::int AS n FROM executions")[0].decode("n")
        for i in 0..<(failures + successes) {
            if i == failures { try f.store.execute("INSERT INTO \(unsafeRaw: f.switchTable) VALUES (1)") }
            let id = try f.execution(done + i)
            guard case .finished(let outcome) = try runner.run(id) else { throw DeliveryError("run \(i + 1) did not finish") }
            #expect(outcome.status == (i < failures ? "failed" : "succeeded"), "\(outcome)")
            ids.append(id)
        }
        return ids
    }

    /// The owner's run notices, oldest first: kind and run.
    static func notices(_ f: Fixture) throws -> [String] {
        try f.store.query("""
            SELECT kind, execution_id FROM notifications WHERE user_id = \(f.ownerID) AND kind LIKE 'execution.%' ORDER BY created_at, id
            """).map { "\(try $0.decode("kind", as: String.self)) \(try $0.decode("execution_id", as: UUID.self))" }
    }

    /// The alert rows: kind, streak, which channels, and whether the email went.
    static func trail(_ f: Fixture) throws -> [String] {
        try f.store.query("""
            SELECT kind, streak, email, in_app, sent_at IS NOT NULL AS sent FROM owner_alerts ORDER BY created_at
            """).map {
            "\(try $0.decode("kind", as: String.self)) \(try $0.decode("streak", as: Int.self))"
                + (try $0.decode("email", as: Bool.self) ? " email" : "") + (try $0.decode("in_app", as: Bool.self) ? " in-app" : "")
                + (try $0.decode("sent", as: Bool.self) ? " sent" : "")
        }
    }

    func subjects(_ f: Fixture) throws -> [String] { try f.mail().map(f.subject) }

    static let failed = #"Subject: Herald: "Nightly stock" failed"#
    static let recovered = #"Subject: Herald: "Nightly stock" is working again"#

    @Test func theOwnersFirstOnlyRuleTellsOncePerStreakThenOnRecovery() throws {
        let f = try Fixture()
        try AlertSettingsRepository(connection: f.store).setUser(f.ownerID, AlertSettings(failures: "first"))
        let ids = try Self.run(f, failures: 4, successes: 1, every: 1)
        _ = try f.smtp.waitForMessage { $0.recipients == [f.owner] && $0.text.contains("working again") }
        #expect(try subjects(f) == [Self.failed, Self.recovered])
        #expect(try Self.notices(f) == ["execution.failed \(ids[0])", "execution.recovered \(ids[4])"])
        #expect(try Self.trail(f) == ["failure 1 email in-app sent", "recovery 4 email in-app sent"])
        #expect(f.decoded(try f.mail()[0]).contains("does not email you again while it keeps failing"))
    }

    @Test func theOwnersEveryNthRuleWithRecoveryOffTellsAtOneAndThreeAndNotOnRecovery() throws {
        let f = try Fixture()
        try AlertSettingsRepository(connection: f.store).setUser(f.ownerID, AlertSettings(failures: "every", every: 2, recovery: false))
        let ids = try Self.run(f, failures: 4, successes: 1)
        // HERALD_ALERT_EVERY is 5 here: the user's 2 wins.
        #expect(try Self.trail(f) == ["failure 1 email in-app sent", "failure 3 email in-app sent"])
        #expect(try subjects(f) == [Self.failed, Self.failed])
        #expect(try Self.notices(f) == ["execution.failed \(ids[0])", "execution.failed \(ids[2])"])
    }

    @Test func emailOffTellsInAppOnlyWithNoMessageSent() throws {
        let f = try Fixture()
        try AlertSettingsRepository(connection: f.store).setUser(f.ownerID, AlertSettings(email: false))
        let ids = try Self.run(f, failures: 1, successes: 1)
        #expect(try Self.notices(f) == ["execution.failed \(ids[0])", "execution.recovered \(ids[1])"])
        #expect(try Self.trail(f) == ["failure 1 in-app", "recovery 1 in-app"])
        // Sending is synchronous within the run: a message would be in the maildir by now.
        #expect(try f.mail().isEmpty)
    }

    @Test func inAppOffEmailsWithNoNotification() throws {
        let f = try Fixture()
        try AlertSettingsRepository(connection: f.store).setUser(f.ownerID, AlertSettings(inApp: false))
        _ = try Self.run(f, failures: 1, successes: 1)
        _ = try f.smtp.waitForMessage { $0.recipients == [f.owner] && $0.text.contains("working again") }
        #expect(try subjects(f) == [Self.failed, Self.recovered])
        #expect(try Self.notices(f).isEmpty)
        #expect(try Self.trail(f) == ["failure 1 email sent", "recovery 1 email sent"])
    }

    @Test func aScheduleOverrideBeatsTheOwnersDefault() throws {
        let f = try Fixture()
        let settings = AlertSettingsRepository(connection: f.store)
        try settings.setUser(f.ownerID, AlertSettings(email: false, inApp: true, failures: "first", recovery: true))
        try settings.setSchedule(f.scheduleID, AlertSettings(email: true, inApp: false, failures: "every", every: 1))
        _ = try Self.run(f, failures: 2, successes: 1)
        _ = try f.smtp.waitForMessage { $0.recipients == [f.owner] && $0.text.contains("working again") }
        // Every failure (the schedule's every 1st), by email only; recovery is the owner's (on).
        #expect(try subjects(f) == [Self.failed, Self.failed, Self.recovered])
        #expect(try Self.notices(f).isEmpty)
        #expect(try Self.trail(f) == ["failure 1 email sent", "failure 2 email sent", "recovery 2 email sent"])
    }

    @Test func bothChannelsOffTellNothingAndClaimNothing() throws {
        let f = try Fixture()
        try AlertSettingsRepository(connection: f.store).setSchedule(f.scheduleID, AlertSettings(email: false, inApp: false))
        _ = try Self.run(f, failures: 2, successes: 1)
        #expect(try Self.trail(f).isEmpty)
        #expect(try Self.notices(f).isEmpty)
        #expect(try f.mail().isEmpty)
    }

    @Test func aReportsOwnRunIsToldInAppOfEachFailureAndNeverEmailed() throws {
        let f = try Fixture()
        try f.store.execute("UPDATE reports SET owner_id = \(f.ownerID) WHERE id = \(f.reportID)")
        let runner = try f.runner()
        var ids: [UUID] = []
        for _ in 0..<2 {
            let id: UUID = try f.store.query("""
                INSERT INTO executions (report_id, scheduled_for, trigger) VALUES (\(f.reportID), now(), 'manual') RETURNING id
                """)[0].decode("id")
            guard case .finished = try runner.run(id) else { Issue.record("the run should finish"); return }
            ids.append(id)
        }
        #expect(try Self.notices(f) == ids.map { "execution.failed \($0)" })
        #expect(try Self.trail(f) == ["failure 1 in-app", "failure 1 in-app"])
        #expect(try f.mail().isEmpty)
    }

    /// The worker's path: the finish returns the schedule's last status before the end (0012's column, read in
    /// the same statement), and only a failure, or a success after something other than a success, asks more.
    @Test func onlyAFailureOrASuccessAfterANonSuccessMayAlert() {
        #expect(!OwnerAlertRepository.mayAlert(status: "succeeded", previousStatus: "succeeded"))
        #expect(!OwnerAlertRepository.mayAlert(status: "succeeded", previousStatus: nil), "a first run, or no schedule")
        #expect(OwnerAlertRepository.mayAlert(status: "succeeded", previousStatus: "failed"))
        #expect(OwnerAlertRepository.mayAlert(status: "succeeded", previousStatus: "partial"))
        #expect(OwnerAlertRepository.mayAlert(status: "succeeded", previousStatus: "skipped"), "a skip does not end a streak")
        #expect(OwnerAlertRepository.mayAlert(status: "failed", previousStatus: "succeeded"))
        #expect(OwnerAlertRepository.mayAlert(status: "partial", previousStatus: nil))
        #expect(!OwnerAlertRepository.mayAlert(status: "skipped", previousStatus: "failed"))
    }

    @Test func theRuleSaysWhenItAlertsAndSaysItInWords() {
        let standard = AlertRule.standard(every: 5)
        #expect((1...12).filter(standard.alerts(atFailure:)) == [1, 6, 11])
        #expect(standard.sentence == "Email and in-app on the first failure, then every 5th; on recovery")
        let first = AlertSettings(inApp: false, failures: "first", recovery: false).applied(to: standard)
        #expect((1...12).filter(first.alerts(atFailure:)) == [1])
        #expect(first.sentence == "Email only on the first failure; not on recovery")
        #expect(AlertSettings(every: 1).applied(to: standard).sentence == "Email and in-app on the first failure, then every failure; on recovery")
        #expect(AlertSettings(email: false, every: 2).applied(to: standard).sentence == "In-app only on the first failure, then every 2nd; on recovery")
        #expect(AlertSettings(email: false, inApp: false).applied(to: standard).sentence == "No alerts")
        #expect(AlertSettings(failures: "sometimes", every: 0).validate().map(\.field) == ["alert_failures", "alert_every"])
        #expect(AlertSettings(every: 1000).validate().isEmpty)
    }
}
