import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// Owner alert emails against the real test SMTP server (the admin's server, on its plain port): a schedule whose runs
/// fail seven times and then succeed tells its owner at failures 1 and 6 (`HERALD_ALERT_EVERY` 5) and once when it
/// works again, by email and in-app (one rule for both); recording an end twice, or two workers seeing it, tells once.
struct OwnerAlertRunTests {
    struct Fixture {
        let url: String
        let store: PostgresConnection
        let key: [UInt8]
        let tag: String
        let owner: String
        let ownerID: UUID
        let scheduleID: UUID
        let reportID: UUID
        /// While it is empty the report divides by zero.
        let switchTable: String
        let smtp: TestSupport.SMTPServer

        init(scheduleName: String = "Nightly stock") throws {
            smtp = try DeliveryServers.smtp()
            key = SecretBox.generateKey()
            url = try TestDatabase.create()
            store = try PostgresConnection(url: url)
            try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
            tag = UUID().uuidString.prefix(8).lowercased()
            owner = "owner-\(tag)@example.org"
            ownerID = try AccountService(connection: store).addUser(email: owner, role: .creator, password: "correct horse battery staple", actor: "test").user.id
            switchTable = "alert_switch_\(tag)"
            try store.execute("CREATE TABLE \(unsafeRaw: switchTable) (n int)")
            let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
            reportID = try ReportService(connection: store).create(
                ReportInput(name: "Stock levels", dataSourceID: source, sql: "SELECT 1 / (SELECT count(*)::int FROM \(switchTable)) AS x"),
                actor: .commandLine).id
            scheduleID = try store.query("""
                INSERT INTO schedules (report_id, name, recurrence, time_zone, owner_id) VALUES (\(reportID), \(scheduleName), '{}'::jsonb, 'Europe/Paris', \(ownerID))
                RETURNING id
                """)[0].decode("id")
            let admin: Actor = .user(Principal(userID: try AccountService(connection: store).addUser(
                email: "admin-\(tag)@example.org", role: .admin, password: "correct horse battery staple", actor: "test").user.id,
                email: "admin-\(tag)@example.org", displayName: "", role: .admin, timeZone: "UTC"))
            try SystemEmailService(connection: store, keyring: try SecretKeyring(current: key)).save(SystemEmailService.Input(
                host: "127.0.0.1", port: String(smtp.port), security: "plain", fromAddress: "herald@example.org", fromName: "Herald"), actor: admin)
        }

        func runner(every: Int = 5) throws -> ExecutionRunner {
            var settings = ExecutionRunner.Settings(retry: RetryPolicy(maxAttempts: 1, baseSeconds: 0.01, capSeconds: 0.01),
                                                    dataDirectory: NSTemporaryDirectory() + "herald-alerts-\(tag)")
            // No allow-list: the admin's server is trusted as it is, loopback included.
            settings.channels = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), baseURL: "https://herald.example.org")
            settings.alertEvery = every
            return ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key, settings: settings, owner: "test-\(tag)")
        }

        /// A run of the schedule for the slot `hours` after a fixed day.
        func execution(_ hours: Int) throws -> UUID {
            try store.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger)
                VALUES (\(scheduleID), \(reportID), '2026-11-02 06:00:00+00'::timestamptz + make_interval(hours => \(hours)), 'schedule')
                RETURNING id
                """)[0].decode("id")
        }

        func mail() throws -> [ReceivedMail] { try smtp.messages().filter { $0.recipients == [owner] } }

        /// The message with its quoted-printable parts decoded (soft breaks joined, `=XX` as bytes).
        func decoded(_ mail: ReceivedMail) -> String {
            let joined = Array(mail.text.replacingOccurrences(of: "=\r\n", with: "").utf8)
            var bytes: [UInt8] = []
            var i = 0
            while i < joined.count {
                if joined[i] == UInt8(ascii: "="), i + 2 < joined.count,
                   let value = UInt8(String(decoding: joined[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    i += 3
                } else {
                    bytes.append(joined[i])
                    i += 1
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The HTML alternative, decoded.
        func html(_ mail: ReceivedMail) -> String {
            decoded(mail).components(separatedBy: "Content-Type: text/html").dropFirst().joined()
        }

        func subject(_ mail: ReceivedMail) -> String {
            let headers = mail.text.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
            return headers.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject:") } ?? ""
        }
    }

    @Test func sevenFailuresThenASuccessAlertAtOneAndSixAndOnceOnRecovery() throws {
        let f = try Fixture()
        let runner = try f.runner()
        var failed: [UUID] = []
        for hour in 0..<7 {
            let id = try f.execution(hour)
            guard case .finished(let outcome) = try runner.run(id) else { Issue.record("run \(hour + 1) should finish"); return }
            #expect(outcome.status == "failed", "\(outcome)")
            failed.append(id)
        }
        try f.store.execute("INSERT INTO \(unsafeRaw: f.switchTable) VALUES (1)")
        let recovered = try f.execution(7)
        guard case .finished(let outcome) = try runner.run(recovered) else { Issue.record("the eighth run should finish"); return }
        #expect(outcome.status == "succeeded", "\(outcome)")
        // One more success after the recovery: no email.
        _ = try runner.run(try f.execution(8))

        _ = try f.smtp.waitForMessage { _ in (try? f.mail().count) ?? 0 >= 3 }
        let mail = try f.mail()
        #expect(mail.count == 3, "\(mail.map(f.subject))")
        #expect(mail.map(f.subject) == [#"Subject: Herald: "Nightly stock" failed"#, #"Subject: Herald: "Nightly stock" failed"#,
                                        #"Subject: Herald: "Nightly stock" is working again"#])
        #expect(mail.allSatisfy { $0.mailFrom == "herald@example.org" })
        let first = f.decoded(mail[0]), sixth = f.decoded(mail[1]), recovery = f.decoded(mail[2])
        #expect(first.contains("division by zero"), "\(first)")
        #expect(first.contains("first failure in a row"))
        #expect(first.contains("https://herald.example.org/executions/\(failed[0].uuidString.lowercased())"))
        #expect(first.contains("2026-11-02 07:00"), "the slot in the schedule's zone (Europe/Paris)")
        #expect(sixth.contains("failed 6 times in a row"))
        #expect(sixth.contains("/executions/\(failed[5].uuidString.lowercased())"))
        #expect(recovery.contains("after 7 failed runs in a row"))
        #expect(recovery.contains("/executions/\(recovered.uuidString.lowercased())"))

        // The in-app notices follow the same rule: failures 1 and 6, and the recovery.
        let notes = try f.store.query("""
            SELECT kind, execution_id FROM notifications WHERE user_id = \(f.ownerID) AND kind LIKE 'execution.%' ORDER BY created_at
            """).map { "\(try $0.decode("kind", as: String.self)) \(try $0.decode("execution_id", as: UUID.self))" }
        #expect(notes == ["execution.failed \(failed[0])", "execution.failed \(failed[5])", "execution.recovered \(recovered)"])
        let alerts = try f.store.query("SELECT kind, streak, sent_at IS NOT NULL AS sent FROM owner_alerts ORDER BY created_at").map {
            "\(try $0.decode("kind", as: String.self)) \(try $0.decode("streak", as: Int.self)) \(try $0.decode("sent", as: Bool.self))"
        }
        #expect(alerts == ["failure 1 true", "failure 6 true", "recovery 7 true"])
    }

    @Test func anEndSeenTwiceSendsOneEmail() throws {
        let f = try Fixture(scheduleName: #"*Hot* <b>deals</b> & "more""#)
        let runner = try f.runner()
        let id = try f.execution(0)
        guard case .finished = try runner.run(id) else { Issue.record("the run should finish"); return }
        // The end recorded again, by this worker and by another one (a second scheduler).
        runner.alerts.runEnded(id, status: "failed", previousStatus: nil)
        try f.runner().alerts.runEnded(id, status: "failed", previousStatus: nil)
        _ = try f.smtp.waitForMessage { $0.recipients == [f.owner] }
        let mail = try f.mail()
        #expect(mail.count == 1)
        #expect(try f.store.query("SELECT count(*)::int AS n FROM owner_alerts WHERE execution_id = \(id)")[0].decode("n", as: Int.self) == 1)
        #expect(try f.store.query("SELECT count(*)::int AS n FROM notifications WHERE execution_id = \(id)")[0].decode("n", as: Int.self) == 1)
        // The schedule's name is shown as written, never as markup, in the HTML part.
        let html = f.html(mail[0])
        #expect(!html.isEmpty && !html.contains("<b>deals</b>") && !html.contains("<em>Hot</em>"), "\(html)")
        #expect(html.contains("&lt;b&gt;deals&lt;/b&gt;"), "\(html)")
    }

    @Test func withoutAnSMTPServerTheNotificationIsWrittenAndTheAlertSaysWhyNoEmailWent() throws {
        let f = try Fixture()
        try f.store.execute("DELETE FROM system_email")
        let runner = try f.runner()
        let id = try f.execution(0)
        guard case .finished = try runner.run(id) else { Issue.record("the run should finish"); return }
        let alert = try f.store.query("SELECT kind, sent_at IS NULL AS unsent, error FROM owner_alerts")
        #expect(alert.count == 1)
        #expect(try alert.first?.decode("unsent", as: Bool.self) == true)
        #expect(try alert.first?.decode("error", as: String?.self) == OwnerAlertRepository.noServerError)
        #expect(try f.store.query("SELECT count(*)::int AS n FROM notifications WHERE execution_id = \(id)")[0].decode("n", as: Int.self) == 1)
        #expect(try f.mail().isEmpty)
    }

    @Test func anEmailDestinationWithoutItsOwnServerSendsThroughTheAdminsAndSeesItChange() throws {
        let f = try Fixture()
        try f.store.execute("INSERT INTO \(unsafeRaw: f.switchTable) VALUES (1)")
        let team = "team-\(f.tag)@example.org"
        let destination = try DestinationService(connection: f.store, deliveryRoot: NSTemporaryDirectory(), keyring: try SecretKeyring(current: f.key))
            .create(DestinationInput(name: "Team", kind: "email", settingsJSON: #"{"to":["\#(team)"],"subject":"{report_name}"}"#), actor: .commandLine)
        var settings = ExecutionRunner.Settings(retry: RetryPolicy(maxAttempts: 1, baseSeconds: 0.01, capSeconds: 0.01),
                                                dataDirectory: NSTemporaryDirectory() + "herald-alerts-\(f.tag)")
        settings.channels = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory())
        // Re-read on every run here (60 s in the processes), so the change below is seen by the next run.
        settings.systemEmailRecheckSeconds = 0
        let runner = ExecutionRunner(store: try PostgresConnection(url: f.url), secretKey: f.key, settings: settings, owner: "test-\(f.tag)")
        func run() throws -> ReceivedMail {
            let id: UUID = try f.store.query("""
                INSERT INTO executions (report_id, scheduled_for, trigger, destination_ids) VALUES (\(f.reportID), now(), 'manual', ARRAY[\(destination.id)]::uuid[])
                RETURNING id
                """)[0].decode("id")
            guard case .finished(let outcome) = try runner.run(id) else { throw DeliveryError("the run did not finish") }
            #expect(outcome.status == "succeeded", "\(outcome)")
            return try f.smtp.waitForMessage { $0.recipients == [team] && $0.text.contains(id.uuidString.lowercased()) }
        }
        #expect(try run().mailFrom == "herald@example.org")
        let admin: Actor = .commandLine
        try SystemEmailService(connection: f.store, keyring: try SecretKeyring(current: f.key)).save(SystemEmailService.Input(
            host: "127.0.0.1", port: String(f.smtp.port), security: "plain", fromAddress: "reports-\(f.tag)@example.org"), actor: admin)
        #expect(try run().mailFrom == "reports-\(f.tag)@example.org")
    }

    @Test func aPartlyDeliveredRunAlertsAsSuch() throws {
        let f = try Fixture()
        try f.store.execute("INSERT INTO \(unsafeRaw: f.switchTable) VALUES (1)")
        let ok = "ok-\(f.tag)@example.org", refused = "reject-\(f.tag)@example.org"
        let destination = try DestinationService(connection: f.store, deliveryRoot: NSTemporaryDirectory(), keyring: try SecretKeyring(current: f.key))
            .create(DestinationInput(name: "Team", kind: "email", settingsJSON: #"{"to":["\#(ok)","\#(refused)"]}"#), actor: .commandLine)
        try f.store.execute("UPDATE schedules SET destination_ids = ARRAY[\(destination.id)]::uuid[] WHERE id = \(f.scheduleID)")
        let id: UUID = try f.store.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, destination_ids)
            VALUES (\(f.scheduleID), \(f.reportID), now(), 'schedule', ARRAY[\(destination.id)]::uuid[])
            RETURNING id
            """)[0].decode("id")
        guard case .finished(let outcome) = try f.runner().run(id) else { Issue.record("the run should finish"); return }
        #expect(outcome.status == "partial", "\(outcome)")
        let alert = try f.smtp.waitForMessage { $0.recipients == [f.owner] }
        #expect(f.subject(alert) == #"Subject: Herald: "Nightly stock" was only partly delivered"#)
        #expect(f.decoded(alert).contains("550"), "the refused recipient's error is in the alert")
    }

    @Test func alertsFallOnTheFirstAndEveryNthFailure() {
        let at = (1...16).filter { OwnerAlertRepository.alerts(atFailure: $0, every: 5) }
        #expect(at == [1, 6, 11, 16])
        #expect((1...3).filter { OwnerAlertRepository.alerts(atFailure: $0, every: 1) } == [1, 2, 3])
        #expect(!OwnerAlertRepository.alerts(atFailure: 0, every: 5))
    }
}
