import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Distribution templates: ownership as destinations have it (own plus shared, admins all, viewers none, others'
/// a 404), every field checked at once beside its name, destinations the actor may not use refused, the audit
/// trail, and schedules that copy from a template and keep the copy.
struct DistributionTemplateServiceTests {
    func templates(_ f: ScheduleFixture) -> DistributionTemplateService { DistributionTemplateService(connection: f.connection) }

    func auditActions(_ f: ScheduleFixture) throws -> [String] {
        try f.connection.query("SELECT action FROM audit_log WHERE subject_type = 'distribution_template' ORDER BY id").map { try $0.decode("action") }
    }

    @Test func creatorsSeeTheirOwnAndSharedTemplatesAndAnotherCreatorsIsNotFound() throws {
        let f = try ScheduleFixture()
        let service = templates(f)
        let shared = try f.connection.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('Shared folder', 'folder', '{"path": "shared"}') RETURNING id
            """)[0].decode("id", as: UUID.self)
        let mine = try service.create(DistributionTemplateInput(name: "Ada's", destinationIDs: [f.destination], formats: ["csv", "pdf"]),
                                      actor: .user(f.creator))
        #expect(mine.ownerID == f.creator.userID && mine.formats == ["csv", "pdf"] && mine.naming == "overwrite")
        let common = try service.create(DistributionTemplateInput(name: "Everyone's", destinationIDs: [shared]), actor: .user(f.admin))
        #expect(common.ownerID == nil)

        #expect(throws: NotFound("template")) { try service.get(mine.id, actor: .user(f.other)) }
        #expect(throws: NotFound("template")) { try service.update(mine.id, DistributionTemplateInput(name: "Taken"), actor: .user(f.other)) }
        #expect(throws: NotFound("template")) { try service.delete(mine.id, actor: .user(f.other)) }
        #expect(try service.list(actor: .user(f.other)).items.map(\.id) == [common.id])
        #expect(try service.list(actor: .user(f.creator)).items.map(\.id) == [mine.id, common.id])
        #expect(try service.list(actor: .user(f.admin)).items.count == 2)
        // A shared template is used by every creator and changed only by an admin.
        #expect(throws: Forbidden.self) { try service.update(common.id, DistributionTemplateInput(name: "Mine now"), actor: .user(f.creator)) }
        #expect(throws: Forbidden.self) { try service.delete(common.id, actor: .user(f.creator)) }
        #expect(throws: Forbidden.self) { try service.list(actor: .user(f.viewer)) }
        #expect(throws: Forbidden.self) { try service.create(DistributionTemplateInput(name: "V", destinationIDs: [shared]), actor: .user(f.viewer)) }

        let renamed = try service.update(mine.id, DistributionTemplateInput(name: "Ada's daily"), actor: .user(f.creator))
        #expect(renamed.name == "Ada's daily" && renamed.formats == ["csv", "pdf"])
        try service.delete(mine.id, actor: .user(f.creator))
        #expect(throws: NotFound("template")) { try service.get(mine.id, actor: .user(f.creator)) }
        #expect(try auditActions(f) == ["template.create", "template.create", "template.update", "template.delete"])
    }

    @Test func pagesByNameWithAKeyset() throws {
        let f = try ScheduleFixture()
        let service = templates(f)
        for name in ["c", "a", "b"] {
            _ = try service.create(DistributionTemplateInput(name: name, destinationIDs: [f.destination]), actor: .user(f.creator))
        }
        let first = try service.list(actor: .user(f.creator), limit: 2)
        #expect(first.items.map(\.name) == ["a", "b"])
        let rest = try service.list(actor: .user(f.creator), after: try #require(first.nextAfter), limit: 2)
        #expect(rest.items.map(\.name) == ["c"] && rest.nextAfter == nil)
    }

    @Test func everyBadFieldIsNamedAtOnce() throws {
        let f = try ScheduleFixture()
        let refused = fields {
            _ = try templates(f).create(DistributionTemplateInput(name: " ", destinationIDs: [], formats: ["doc"], filenamePattern: "../x",
                                                                  naming: "append", emailSubject: "Hi\r\nBcc: eve@example.org",
                                                                  emailBodyMd: String(repeating: "x", count: 20_001)),
                                        actor: .user(f.creator))
        }
        #expect(Set(refused) == ["name", "destination_ids", "formats", "filename_pattern", "naming", "email_subject", "email_body_md"])
        #expect(fields {
            _ = try templates(f).create(DistributionTemplateInput(name: "x", destinationIDs: [f.destination], emailSubject: "Line\u{2028}break"),
                                        actor: .user(f.creator))
        } == ["email_subject"])
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM distribution_templates")[0].decode("n", as: Int.self) == 0)
    }

    @Test func aDestinationTheActorMayNotUseIsRefused() throws {
        let f = try ScheduleFixture()
        let refused = #expect(throws: ValidationErrors.self) {
            try templates(f).create(DistributionTemplateInput(name: "Bob's folder", destinationIDs: [f.destination, f.otherDestination]),
                                    actor: .user(f.creator))
        }
        #expect(refused?.errors.map(\.field) == ["destination_ids"])
        #expect(refused?.errors.first?.message == "names a destination you may not use")
        #expect(fields { _ = try templates(f).create(DistributionTemplateInput(name: "Gone", destinationIDs: [UUID()]), actor: .user(f.creator)) }
                == ["destination_ids"])
        // An admin may use every destination.
        #expect(try templates(f).create(DistributionTemplateInput(name: "Both", destinationIDs: [f.destination, f.otherDestination]),
                                        actor: .user(f.admin)).destinationIDs == [f.destination, f.otherDestination])
    }

    @Test func aScheduleCopiesTheTemplateAndKeepsTheCopyWhenTheTemplateChangesOrGoes() throws {
        let f = try ScheduleFixture()
        let service = templates(f)
        let template = try service.create(DistributionTemplateInput(name: "Monthly", destinationIDs: [f.destination], formats: ["xlsx", "pdf"],
                                                                    filenamePattern: "{report_name}-{date}.{format}", naming: "timestamp",
                                                                    emailSubject: "Figures for {date}", emailBodyMd: "**Hello**"),
                                          actor: .user(f.creator))
        var draft = f.draft()
        draft.formats = ["csv"]
        try service.apply(template.id, to: &draft, actor: .user(f.creator), keeping: ["formats"])
        #expect(draft.formats == ["csv"] && draft.destinationIDs == [f.destination] && draft.naming == "timestamp")
        #expect(draft.emailSubject == "Figures for {date}" && draft.emailBodyMd == "**Hello**" && draft.templateID == template.id)
        let schedule = try f.service().create(draft, actor: .user(f.creator))
        #expect(schedule.emailSubject == "Figures for {date}" && schedule.templateID == template.id)
        #expect(schedule.filenamePattern == "{report_name}-{date}.{format}")

        _ = try service.update(template.id, DistributionTemplateInput(formats: ["json"], emailSubject: "Changed"), actor: .user(f.creator))
        let unchanged = try f.service().get(schedule.id, actor: .user(f.creator))
        #expect(unchanged.formats == ["csv"] && unchanged.emailSubject == "Figures for {date}")
        try service.delete(template.id, actor: .user(f.creator))
        let kept = try f.service().get(schedule.id, actor: .user(f.creator))
        #expect(kept.templateID == nil && kept.emailSubject == "Figures for {date}" && kept.destinationIDs == [f.destination])
    }

    @Test func aScheduleRefusesAnotherCreatorsTemplateAndABadSubjectBesideTheirFields() throws {
        let f = try ScheduleFixture()
        let bobs = try templates(f).create(DistributionTemplateInput(name: "Bob's", destinationIDs: [f.otherDestination]), actor: .user(f.other))
        #expect(throws: NotFound("template")) {
            var draft = f.draft()
            try templates(f).apply(bobs.id, to: &draft, actor: .user(f.creator))
        }
        var draft = f.draft()
        draft.templateID = bobs.id
        draft.emailSubject = "Hi\nBcc: eve@example.org"
        #expect(Set(fields { _ = try f.service().create(draft, actor: .user(f.creator)) }) == ["template_id", "email_subject"])
    }

    @Test func aDraftNamingATemplateDeletedSinceMakesAScheduleWithoutTheNote() throws {
        let f = try ScheduleFixture()
        let template = try templates(f).create(DistributionTemplateInput(name: "Short-lived", destinationIDs: [f.destination]), actor: .user(f.creator))
        var draft = f.draft()
        try templates(f).apply(template.id, to: &draft, actor: .user(f.creator))
        try templates(f).delete(template.id, actor: .user(f.creator))
        let schedule = try f.service().create(draft, actor: .user(f.creator))
        #expect(schedule.templateID == nil && schedule.destinationIDs == [f.destination])
    }

    /// startDelivering gives email destinations the schedule's subject and body when they are set, and leaves
    /// other kinds (and an empty message) alone.
    @Test func theSchedulesMessageWinsOverAnEmailDestinationsOwnWhenSet() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 1)
        let report: UUID = try setup.store.query("SELECT report_id FROM executions")[0].decode("report_id")
        let schedule: UUID = try setup.store.query("""
            INSERT INTO schedules (report_id, recurrence, time_zone, email_subject, email_body_md)
            VALUES (\(report), '{"kind": "daily", "time_zone": "UTC", "time": "07:00"}', 'UTC', 'From the schedule', '')
            RETURNING id
            """)[0].decode("id")
        try setup.store.execute("UPDATE executions SET schedule_id = \(schedule)")
        let email: UUID = try setup.store.query("""
            INSERT INTO destinations (name, kind, settings)
            VALUES ('mail', 'email', '{"to": ["a@example.org"], "subject": "Own subject", "body_md": "Own body"}') RETURNING id
            """)[0].decode("id")
        let folder: UUID = try setup.store.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('folder', 'folder', '{"path": "/tmp/t"}') RETURNING id
            """)[0].decode("id")
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        let started = try worker.startDelivering(setup.executions[0], owner: "w", destinations: [email, folder], rowCount: 1,
                                                 artifacts: [KeptArtifact(format: "csv", fileName: "s.csv", storagePath: "artifacts/s.csv", byteCount: 3, sha256Hex: "010203")],
                                                 releasing: (setup.source, try #require(job.sourceSlot)))
        struct Settings: Decodable { let subject: String?; let body_md: String? }
        let due = try #require(started.due)
        let byKind = Dictionary(try due.map { ($0.kind, try JSONDecoder().decode(Settings.self, from: Data($0.settings.utf8))) }, uniquingKeysWith: { a, _ in a })
        #expect(byKind["email"]?.subject == "From the schedule")
        #expect(byKind["email"]?.body_md == "Own body")
        #expect(byKind["folder"]?.subject == nil && byKind["folder"]?.body_md == nil)
    }
}
