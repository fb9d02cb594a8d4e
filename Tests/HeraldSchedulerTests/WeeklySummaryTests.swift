import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// The weekly summary email against a real database and the test SMTP server (the admin's server): on Monday after
/// 07:00 an opted-in owner gets one summary with their week's counts and the failing schedule named; an opted-out
/// owner gets none; sending again, or from a second scheduler, sends nothing more.
struct WeeklySummaryTests {
    /// Monday 9 November 2026, 08:00 UTC.
    static let monday = Date(timeIntervalSince1970: 1_794_211_200)

    struct Fixture {
        let alerts: OwnerAlertRunTests.Fixture

        init() throws {
            alerts = try OwnerAlertRunTests.Fixture(scheduleName: #"*Nightly* <b>stock</b>"#)
        }

        func sender() throws -> WeeklySummarySender {
            let store = try PostgresConnection(url: alerts.url)
            let mailer = OwnerAlertMailer(store: store, keyring: { [key = alerts.key] in try SecretKeyring(current: key) }, every: 5,
                                          environment: ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), baseURL: "https://herald.example.org"))
            return WeeklySummarySender(store: store, mailer: mailer)
        }

        /// A run of `schedule` whose slot was `hoursAgo` before Monday 08:00.
        func run(_ schedule: UUID, hoursAgo: Int, status: String, error: String? = nil) throws {
            try alerts.store.execute("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, status, error, finished_at)
                VALUES (\(schedule), \(alerts.reportID), \(WeeklySummaryTests.monday.addingTimeInterval(Double(-hoursAgo) * 3600)), 'schedule',
                        \(status), \(error), now())
                """)
        }

        /// A user with a schedule of their own (every day at 06:00 UTC, next slot Tuesday).
        func owner(_ email: String) throws -> (id: UUID, schedule: UUID) {
            let id = try AccountService(connection: alerts.store).addUser(email: email, role: .creator, password: "correct horse battery staple",
                                                                           actor: "test").user.id
            let recurrence = String(decoding: try JSONEncoder().encode(Recurrence(kind: .daily, timeZone: "UTC", time: "06:00")), as: UTF8.self)
            let schedule: UUID = try alerts.store.query("""
                INSERT INTO schedules (report_id, name, recurrence, time_zone, owner_id, next_slot_at)
                VALUES (\(alerts.reportID), 'Daily', \(recurrence)::jsonb, 'UTC', \(id),
                        '2026-11-10 06:00:00+00')
                RETURNING id
                """)[0].decode("id")
            return (id, schedule)
        }
    }

    @Test func anOptedInOwnerGetsOneSummaryWithTheWeeksCountsAndAnOptedOutOneNone() throws {
        let f = try Fixture()
        let schedule = f.alerts.scheduleID
        try f.run(schedule, hoursAgo: 2, status: "failed", error: "division by zero")
        try f.run(schedule, hoursAgo: 26, status: "failed", error: "older error")
        try f.run(schedule, hoursAgo: 50, status: "succeeded")
        try f.run(schedule, hoursAgo: 74, status: "partial", error: "one recipient refused")
        try f.run(schedule, hoursAgo: 98, status: "skipped")
        try f.run(schedule, hoursAgo: 8 * 24, status: "failed", error: "last week's")  // before the 7 days
        let daily = try f.owner("daily-\(f.alerts.tag)@example.org")
        let outEmail = "out-\(f.alerts.tag)@example.org"
        let out = try f.owner(outEmail)
        try f.run(out.schedule, hoursAgo: 3, status: "failed", error: "nobody reads this")
        let outPrincipal = Principal(userID: out.id, email: outEmail, displayName: "", role: .creator, timeZone: "UTC")
        try UserService(connection: f.alerts.store).setOwnWeeklySummary(actor: .user(outPrincipal), false)
        #expect(try UserService(connection: f.alerts.store).ownWeeklySummary(actor: .user(outPrincipal)) == false)

        let sender = try f.sender()
        // Sunday evening and Monday before 07:00: nothing yet.
        #expect(try sender.sendDue(now: Self.monday.addingTimeInterval(-10 * 3600)) == 0)
        #expect(try sender.sendDue(now: Self.monday.addingTimeInterval(-2 * 3600)) == 0)
        #expect(try sender.sendDue(now: Self.monday) == 2, "the alert fixture's owner and the daily one")
        _ = try f.alerts.smtp.waitForMessage { $0.recipients == [f.alerts.owner] }

        let mail = try f.alerts.mail()
        #expect(mail.count == 1)
        let text = f.alerts.decoded(mail[0])
        #expect(f.alerts.subject(mail[0]).contains("your week of reports to 2026-11-09"), "\(f.alerts.subject(mail[0]))")
        for line in ["- succeeded: 1", "- partial: 1", "- failed: 2", "- skipped: 1"] { #expect(text.contains(line), "\(line) in \(text)") }
        #expect(text.contains("division by zero") && !text.contains("older error") && !text.contains("last week's"), "\(text)")
        #expect(text.contains("3 runs failed or were partly delivered"), "\(text)")
        #expect(text.contains("https://herald.example.org/schedules/\(schedule.uuidString.lowercased())"), "\(text)")
        // The schedule's name is shown as written in the HTML part, never as markup.
        let html = f.alerts.html(mail[0])
        #expect(!html.contains("<b>stock</b>") && html.contains("&lt;b&gt;stock&lt;/b&gt;"), "\(html)")

        // The daily owner's summary says what is due next week: one run a day from Tuesday to Monday.
        let dailyMail = try f.alerts.smtp.waitForMessage { $0.recipients == ["daily-\(f.alerts.tag)@example.org"] }
        #expect(f.alerts.decoded(dailyMail).contains("7 runs"), "\(f.alerts.decoded(dailyMail))")
        #expect(f.alerts.decoded(dailyMail).contains("No schedule failed."))

        // Again, and from a second scheduler: nothing more is sent; the opted-out owner never got one.
        #expect(try sender.sendDue(now: Self.monday.addingTimeInterval(300)) == 0)
        #expect(try f.sender().sendDue(now: Self.monday.addingTimeInterval(600)) == 0)
        #expect(try f.alerts.mail().count == 1)
        #expect(try f.alerts.smtp.messages().filter { $0.recipients == [outEmail] }.isEmpty)
        let rows = try f.alerts.store.query("SELECT user_id, sent_at IS NOT NULL AS sent, error FROM weekly_summaries ORDER BY user_id")
        #expect(rows.count == 2)
        #expect(try rows.allSatisfy { try $0.decode("sent", as: Bool.self) && $0.decode("error", as: String?.self) == nil })
        #expect(try !rows.contains { try $0.decode("user_id", as: UUID.self) == out.id })
        _ = daily
    }

    @Test func aSummaryIsDueOnMondayFromSevenInTheUsersZone() {
        let monday = Int64(Self.monday.timeIntervalSince1970) - 8 * 3600  // Monday 00:00 UTC
        #expect(SummaryWeek.due(at: monday + 7 * 3600 - 1, zone: "UTC") == nil)
        #expect(SummaryWeek.due(at: monday + 7 * 3600, zone: "UTC") == "2026-11-09")
        #expect(SummaryWeek.due(at: monday + 23 * 3600, zone: "UTC") == "2026-11-09")
        // A week whose Monday passed unsent is still sent on Tuesday and Wednesday, not from Thursday.
        #expect(SummaryWeek.due(at: monday + 24 * 3600 + 1 * 3600, zone: "UTC") == "2026-11-09", "Tuesday")
        #expect(SummaryWeek.due(at: monday + 3 * 24 * 3600 - 1, zone: "UTC") == "2026-11-09", "Wednesday")
        #expect(SummaryWeek.due(at: monday + 3 * 24 * 3600, zone: "UTC") == nil, "Thursday")
        #expect(SummaryWeek.due(at: monday - 1, zone: "UTC") == nil, "Sunday")
        // Berlin is an hour ahead in November: 06:00 UTC is 07:00 there.
        #expect(SummaryWeek.due(at: monday + 6 * 3600, zone: "Europe/Berlin") == "2026-11-09")
        #expect(SummaryWeek.due(at: monday + 6 * 3600, zone: "UTC") == nil)
        // Tokyo's Monday 07:00 is Sunday 22:00 UTC.
        #expect(SummaryWeek.due(at: monday - 2 * 3600, zone: "Asia/Tokyo") == "2026-11-09")
    }

    @Test func aFailedSendIsClaimedAgainAfterAPauseAFewTimesAndASentOneNever() throws {
        let f = try Fixture()
        let summaries = WeeklySummaryRepository(connection: f.alerts.store)
        let user = f.alerts.ownerID
        #expect(try summaries.claim(userID: user, weekStart: "2026-11-09"))
        try summaries.recordSent(userID: user, weekStart: "2026-11-09", error: "SMTP server unreachable")
        // Not again at once, nor by a second scheduler.
        #expect(try !summaries.claim(userID: user, weekStart: "2026-11-09"))
        func backdate() throws {
            try f.alerts.store.execute("UPDATE weekly_summaries SET claimed_at = now() - interval '16 minutes' WHERE user_id = \(user)")
        }
        for attempt in 2...5 {
            try backdate()
            #expect(try summaries.claim(userID: user, weekStart: "2026-11-09"), "attempt \(attempt)")
            #expect(try !summaries.claim(userID: user, weekStart: "2026-11-09"))
            try summaries.recordSent(userID: user, weekStart: "2026-11-09", error: "still unreachable")
        }
        try backdate()
        #expect(try !summaries.claim(userID: user, weekStart: "2026-11-09"), "five tries in all")

        // A claim whose sender died (never recorded) is sent by the next pass after the pause; once sent, never again.
        try f.alerts.store.execute("DELETE FROM weekly_summaries WHERE user_id = \(user)")
        #expect(try summaries.claim(userID: user, weekStart: "2026-11-09"))
        let sender = try f.sender()
        #expect(try sender.sendDue(now: Self.monday.addingTimeInterval(3600)) == 0, "claimed a moment ago by a sender that died")
        try backdate()
        #expect(try sender.sendDue(now: Self.monday.addingTimeInterval(24 * 3600)) == 1, "Tuesday: the week is sent")
        _ = try f.alerts.smtp.waitForMessage { $0.recipients == [f.alerts.owner] }
        try backdate()
        #expect(try sender.sendDue(now: Self.monday.addingTimeInterval(25 * 3600)) == 0)
        let row = try f.alerts.store.query("SELECT attempts, sent_at IS NOT NULL AS sent, error FROM weekly_summaries WHERE user_id = \(user)")[0]
        #expect(try row.decode("sent", as: Bool.self))
        #expect(try row.decode("attempts", as: Int.self) == 2)
        #expect(try row.decode("error", as: String?.self) == nil)
    }
}
