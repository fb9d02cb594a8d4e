import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A run delivering to an email destination against the real test SMTP server: one delivery row per recipient (To,
/// CC and BCC), one message for the recipients due, a refused recipient failing alone, a greylisted one retried on
/// its own, and "re-send failed" reaching only the recipients that failed. The destination's SMTP password is
/// stored sealed and unsealed only by the worker.
struct EmailDeliveryRunTests {
    @Test func eachRecipientIsItsOwnDeliveryAndARetryReachesOnlyWhoFailed() throws {
        let f = try EmailRunFixture(reportName: "Weekly sales", sql: "SELECT n, n * 2 AS double FROM generate_series(1, 3) n")
        let (smtp, store, tag) = (f.smtp, f.store, f.tag)
        let ok = "ok-\(tag)@example.org", refused = "reject-\(tag)@example.org", greylisted = "greylist-\(tag)@example.org"
        let hidden = "hidden-\(tag)@example.org"
        let settings = """
            {"to":["\(ok)","\(refused)"],"cc":["\(greylisted)"],"bcc":["\(hidden)"],"subject":"{report_name} {date}","include_rows":true,"attach":"links",
             "smtp":{"host":"127.0.0.1","port":\(smtp.startTLSPort),"security":"starttls","username":"\(smtp.user)","from_address":"herald@example.org"}}
            """
        let destination = try f.destination("Sales team", settings: settings, secrets: ["smtp_password": smtp.password])
        let id: UUID = try store.query("""
            INSERT INTO executions (report_id, scheduled_for, trigger, destination_ids) VALUES (\(f.report), now(), 'manual', ARRAY[\(destination.id)]::uuid[])
            RETURNING id
            """)[0].decode("id")

        let runner = try f.runner(retry: RetryPolicy(maxAttempts: 3, baseSeconds: 0.01, capSeconds: 0.01), folder: "email")
        func statuses() throws -> [String: String] {
            Dictionary(uniqueKeysWithValues: try store.query("SELECT recipient, status FROM deliveries WHERE execution_id = \(id)").map {
                (try $0.decode("recipient", as: String.self), try $0.decode("status", as: String.self))
            })
        }
        func mine() throws -> [ReceivedMail] { try smtp.messages().filter { $0.recipients.contains { $0.hasSuffix("\(tag)@example.org") } } }

        // First attempt: one message to the two accepted recipients; the refused one is dead, the greylisted one waits.
        guard case .retrying = try runner.run(id) else { Issue.record("the first attempt should wait for the greylisted recipient"); return }
        #expect(try statuses() == [ok: "succeeded", hidden: "succeeded", refused: "dead", greylisted: "failed"])
        let first = try smtp.waitForMessage { $0.recipients.contains(ok) }
        #expect(Set(first.recipients) == [ok, hidden])
        // Headers unfolded: the To and Cc lines name every To and CC address, whatever was accepted.
        let headers = first.text.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
        let to = headers.first { $0.hasPrefix("To:") } ?? "", cc = headers.first { $0.hasPrefix("Cc:") } ?? ""
        #expect(to.contains(ok) && to.contains(refused) && cc.contains(greylisted), "\(headers)")
        #expect(!first.text.contains(hidden), "the BCC address is in no header and no part")
        // The result's first rows are in the message, and the files are signed links to the run's artifacts.
        #expect(first.text.contains("double"))
        let artifact: UUID = try store.query("SELECT id FROM artifacts WHERE execution_id = \(id)")[0].decode("id")
        let unwrapped = first.text.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")   // quoted-printable
        #expect(unwrapped.contains("https://localhost:8443/downloads/\(artifact.uuidString.lowercased())?expires="))
        let refusal: String = try store.query("SELECT last_error FROM deliveries WHERE execution_id = \(id) AND recipient = \(refused)")[0].decode("last_error")
        #expect(refusal.contains("550"))

        // The retry sends to the greylisted recipient alone; the refused one stays dead, so the run is partial.
        let retried = try runner.run(id)
        guard case .finished(let outcome) = retried else { Issue.record("the retry should finish the run: \(retried)"); return }
        #expect(outcome.status == "partial")
        #expect(try statuses() == [ok: "succeeded", hidden: "succeeded", refused: "dead", greylisted: "succeeded"])
        let second = try smtp.waitForMessage { $0.recipients.contains(greylisted) }
        #expect(second.recipients == [greylisted])
        // The retry did not query again, yet its message has the same table: the rendering attempt kept the first rows.
        #expect(second.text.contains("double"))

        // "Re-send failed" tries the refused recipient again, and only it: no one else gets a third message.
        try ExecutionService(connection: store).resendFailed(executionID: id, actor: .commandLine)
        _ = try runner.run(id)
        #expect(try statuses()[refused] == "dead")
        let attempts: Int = try store.query("SELECT attempts FROM deliveries WHERE execution_id = \(id) AND recipient = \(refused)")[0].decode("attempts")
        #expect(attempts == 1)
        #expect(try mine().count == 2)
        // The password was stored sealed: it is in no row of the database.
        let everything: String = try store.query("SELECT string_agg(d::text, ' ') AS t FROM destinations d")[0].decode("t")
        #expect(!everything.contains(smtp.password))
    }

    /// "Test run to me": a test run's email reaches only the user who asked for it, not the destination's recipients.
    @Test func aTestRunEmailsOnlyTheUserWhoAskedForIt() throws {
        let f = try EmailRunFixture(reportName: "Daily", sql: "SELECT 1 AS one")
        let (smtp, store, tag) = (f.smtp, f.store, f.tag)
        let me = "tester-\(tag)@example.org"
        let user = try AccountService(connection: store).addUser(email: me, role: .creator, password: "correct horse battery staple", actor: "test").user
        let destination = try f.destination("Everyone", settings: """
            {"to":["all-\(tag)@example.org"],"bcc":["boss-\(tag)@example.org"],
             "smtp":{"host":"127.0.0.1","port":\(smtp.port),"security":"plain","from_address":"herald@example.org"}}
            """)
        let id: UUID = try store.query("""
            INSERT INTO executions (report_id, scheduled_for, trigger, destination_ids, requested_by)
            VALUES (\(f.report), now(), 'test', ARRAY[\(destination.id)]::uuid[], \(user.id)) RETURNING id
            """)[0].decode("id")
        guard case .finished(let outcome) = try f.runner(folder: "test-run").run(id),
              outcome.status == "succeeded" else { Issue.record("the test run did not succeed"); return }
        let mail = try smtp.waitForMessage { $0.recipients.contains(me) }
        #expect(mail.recipients == [me])
        #expect(!mail.text.contains("all-\(tag)") && !mail.text.contains("boss-\(tag)"))
        let rows: [String] = try store.query("SELECT recipient FROM deliveries WHERE execution_id = \(id)").map { try $0.decode("recipient") }
        #expect(rows == [me])
    }
}
