import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A schedule made from a distribution template delivers, against the real test SMTP server, an email whose
/// subject and body are the schedule's (copied from the template), not the email destination's own.
struct TemplateEmailRunTests {
    @Test func theEmailCarriesTheSubjectAndBodyTheScheduleCopiedFromItsTemplate() throws {
        let f = try EmailRunFixture(reportName: "Weekly sales", sql: "SELECT n FROM generate_series(1, 3) n")
        let (smtp, store, report, tag) = (f.smtp, f.store, f.report, f.tag)
        let to = "ok-\(tag)@example.org"
        let settings = """
            {"to":["\(to)"],"subject":"Destination subject \(tag)","body_md":"Destination body",
             "smtp":{"host":"127.0.0.1","port":\(smtp.startTLSPort),"security":"starttls","username":"\(smtp.user)","from_address":"herald@example.org"}}
            """
        let destination = try f.destination("Sales team", settings: settings, secrets: ["smtp_password": smtp.password])
        let templates = DistributionTemplateService(connection: store)
        let template = try templates.create(DistributionTemplateInput(name: "Finance", destinationIDs: [destination.id], formats: ["csv"],
                                                                      emailSubject: "Template subject \(tag): {report_name}",
                                                                      emailBodyMd: "Numbers from the **template** \(tag)"),
                                            actor: .commandLine)
        var draft = ScheduleDraft(name: "Weekly", reportID: report, recurrence: Recurrence(kind: .daily, timeZone: "UTC", time: "07:00"))
        try templates.apply(template.id, to: &draft, actor: .commandLine)
        let schedule = try ScheduleService(connection: store, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10))
            .create(draft, actor: .commandLine)
        // Editing the template afterwards changes nothing the schedule delivers.
        _ = try templates.update(template.id, DistributionTemplateInput(emailSubject: "Changed later"), actor: .commandLine)
        let id: UUID = try store.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, destination_ids)
            VALUES (\(schedule.id), \(report), now(), 'manual', ARRAY[\(destination.id)]::uuid[])
            RETURNING id
            """)[0].decode("id")

        let runner = try f.runner(retry: RetryPolicy(maxAttempts: 2, baseSeconds: 0.01, capSeconds: 0.01), folder: "template")
        guard case .finished(let outcome) = try runner.run(id) else { Issue.record("the run should finish"); return }
        #expect(outcome.status == "succeeded")
        let message = try smtp.waitForMessage { $0.recipients.contains(to) }
        let headers = message.text.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
        let subject = headers.first { $0.hasPrefix("Subject:") } ?? ""
        #expect(subject == "Subject: Template subject \(tag): Weekly sales", "\(headers)")
        #expect(message.text.contains("template") && message.text.contains(tag))
        #expect(!message.text.contains("Destination subject") && !message.text.contains("Destination body") && !message.text.contains("Changed later"))
    }
}
