import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// A database with a creator, another creator, a viewer and an admin, a report and a folder destination each.
struct ScheduleFixture {
    let connection: PostgresConnection
    let creator: Principal, other: Principal, viewer: Principal, admin: Principal
    let report: UUID, otherReport: UUID
    let destination: UUID, otherDestination: UUID

    init() throws {
        connection = try PostgresConnection(url: try TestDatabase.create())
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let c = connection
        creator = try Self.principal(c, "ada@example.org", .creator)
        other = try Self.principal(c, "bob@example.org", .creator)
        viewer = try Self.principal(c, "vic@example.org", .viewer)
        admin = try Self.principal(c, "root@example.org", .admin)
        let source = try DataSourceRepository(connection: connection, secretKey: Array(repeating: 1, count: 32))
            .create(name: "warehouse", url: "postgresql://reader@127.0.0.1/shop")
        report = try ReportRepository(connection: connection).create(name: "Sales", dataSourceID: source, sql: "SELECT 1", ownerID: creator.userID)
        otherReport = try ReportRepository(connection: connection).create(name: "Stock", dataSourceID: source, sql: "SELECT 1", ownerID: other.userID)
        destination = try Self.folder(c, "/tmp/ada", owner: creator.userID)
        otherDestination = try Self.folder(c, "/tmp/bob", owner: other.userID)
    }

    static func folder(_ connection: PostgresConnection, _ name: String, owner: UUID) throws -> UUID {
        try connection.query("""
            INSERT INTO destinations (name, kind, settings, owner_id) VALUES (\(name), 'folder', '{"path": "reports"}', \(owner)) RETURNING id
            """)[0].decode("id")
    }

    static func principal(_ connection: PostgresConnection, _ email: String, _ role: UserRole) throws -> Principal {
        let user = try AccountService(connection: connection).addUser(email: email, role: role, password: "correct horse battery staple", actor: "test").user
        return try #require(try UserRepository(connection: connection).principal(userID: user.id))
    }

    func service(minimumInterval: Int64 = 3600, max: Int = 10) -> ScheduleService {
        ScheduleService(connection: connection, limits: ScheduleLimits(minimumInterval: minimumInterval, maxSchedulesPerUser: max))
    }

    func draft(_ name: String = "Morning sales", time: String = "07:00") -> ScheduleDraft {
        ScheduleDraft(name: name, reportID: report, recurrence: Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: time),
                      destinationIDs: [destination])
    }

    func audit() throws -> [String] {
        try connection.query("SELECT action FROM audit_log WHERE subject_type = 'schedule' ORDER BY id").map { try $0.decode("action") }
    }
}

func fields(_ body: () throws -> Void) -> [String] {
    do { try body() } catch let error as ValidationErrors { return error.errors.map(\.field) } catch let error as ValidationError {
        return [error.field]
    } catch { return ["unexpected: \(error)"] }
    return []
}

struct ScheduleServiceTests {
    @Test func aScheduleIntoANewFolderIsMadeWithItsDestinationOrNotAtAll() throws {
        let f = try ScheduleFixture()
        let root = NSTemporaryDirectory() + "herald-root-" + UUID().uuidString.prefix(8)
        func destinations() throws -> Int { try f.connection.query("SELECT count(*)::int AS n FROM destinations")[0].decode("n") }
        let before = try destinations()
        var refused = f.draft()
        refused.recurrence = Recurrence(kind: .custom, timeZone: "UTC", cron: "*/5 * * * *")
        #expect(throws: ValidationErrors.self) {
            try f.service().create(refused, intoNewFolder: "nightly", deliveryRoot: root, actor: .commandLine)
        }
        #expect(try destinations() == before)
        var noReport = f.draft()
        noReport.reportID = UUID()
        #expect(throws: ValidationErrors.self) {
            try f.service().create(noReport, intoNewFolder: "nightly", deliveryRoot: root, actor: .commandLine, ownerID: f.creator.userID)
        }
        #expect(try destinations() == before)

        let made = try f.service().create(f.draft(), intoNewFolder: "nightly", deliveryRoot: root, actor: .commandLine,
                                          ownerID: f.creator.userID)
        #expect(try destinations() == before + 1)
        let folder = try DestinationService(connection: f.connection, deliveryRoot: root).get(try #require(made.destinationIDs.first),
                                                                                                actor: .commandLine)
        #expect(folder.name == "nightly" && folder.ownerID == f.creator.userID)
        #expect(made.ownerID == f.creator.userID)
    }

    @Test func createsAScheduleWithItsNextRunAndAnAuditRow() throws {
        let f = try ScheduleFixture()
        let created = try f.service().create(f.draft(), actor: .user(f.creator))
        #expect(created.name == "Morning sales")
        #expect(created.cron == "0 7 * * *")
        #expect(created.ownerID == f.creator.userID)
        #expect(created.description == "Every day at 07:00, Europe/Berlin")
        #expect(created.nextRunAt != nil)
        #expect(created.filenamePattern == ScheduleDraft.defaultFilenamePattern)
        #expect(try f.audit() == ["schedule.create"])
    }

    @Test func reportsEveryBadFieldAtOnce() throws {
        let f = try ScheduleFixture()
        var draft = ScheduleDraft(name: String(repeating: "x", count: 201), reportID: f.otherReport,
                                  recurrence: Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "25:00"),
                                  destinationIDs: [f.otherDestination], formats: ["docx"], filenamePattern: "../x", naming: "sometimes",
                                  misfirePolicy: "never", overlapPolicy: "maybe", jitterSeconds: 9999, priority: 12)
        draft.pauseNote = String(repeating: "n", count: 501)
        let bad = fields { _ = try f.service().create(draft, actor: .user(f.creator)) }
        #expect(Set(bad) == ["report_id", "name", "time", "destination_ids", "formats", "filename_pattern", "naming",
                             "misfire_policy", "overlap_policy", "jitter_seconds", "priority", "pause_note"])
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM schedules")[0].decode("n", as: Int.self) == 0)
    }

    @Test func refusesRunsMoreOftenThanTheMinimumIntervalAndOnesThatNeverFire() throws {
        let f = try ScheduleFixture()
        var draft = f.draft()
        draft.recurrence = Recurrence(kind: .everyMinutes, timeZone: "UTC", interval: 30)
        #expect(fields { _ = try f.service().create(draft, actor: .user(f.creator)) } == ["recurrence"])
        #expect(fields { _ = try f.service(minimumInterval: 60).create(draft, actor: .user(f.creator)) } == [])
        draft.recurrence = Recurrence(kind: .custom, timeZone: "UTC", cron: "0 0 30 2 *")
        #expect(!fields { _ = try f.service().create(draft, actor: .user(f.creator)) }.isEmpty)
        draft.recurrence = Recurrence(kind: .once, timeZone: "UTC", at: "2001-01-01T07:00")
        #expect(fields { _ = try f.service().create(draft, actor: .user(f.creator)) } == ["at"])
    }

    @Test func aCreatorMayOwnAtMostTheLimitButAnAdminIsExempt() throws {
        let f = try ScheduleFixture()
        let service = f.service(max: 2)
        _ = try service.create(f.draft("a"), actor: .user(f.creator))
        _ = try service.create(f.draft("b"), actor: .user(f.creator))
        #expect(fields { _ = try service.create(f.draft("c"), actor: .user(f.creator)) } == ["limit"])
        for name in ["x", "y", "z"] { _ = try service.create(f.draft(name), actor: .user(f.admin)) }
    }

    @Test func othersGetNotFoundViewersSeeSharedSchedulesButChangeNothing() throws {
        let f = try ScheduleFixture()
        let service = f.service()
        let schedule = try service.create(f.draft(), actor: .user(f.creator))
        #expect(throws: NotFound.self) { try service.get(schedule.id, actor: .user(f.other)) }
        #expect(throws: NotFound.self) { try service.pause(schedule.id, actor: .user(f.other)) }
        #expect(throws: NotFound.self) { try service.delete(schedule.id, actor: .user(f.viewer)) }
        #expect(try service.list(actor: .user(f.other)).items.isEmpty)

        try service.share(schedule.id, emails: ["vic@example.org"], actor: .user(f.creator))
        #expect(try service.get(schedule.id, actor: .user(f.viewer)).sharedWith == [f.viewer.userID])
        #expect(try service.list(actor: .user(f.viewer)).items.map(\.id) == [schedule.id])
        #expect(throws: Forbidden.self) { try service.pause(schedule.id, actor: .user(f.viewer)) }
        #expect(throws: Forbidden.self) { try service.update(schedule.id, f.draft("renamed"), actor: .user(f.viewer)) }
        #expect(throws: Forbidden.self) { try service.delete(schedule.id, actor: .user(f.viewer)) }
        #expect(throws: Forbidden.self) { try service.create(f.draft(), actor: .user(f.viewer)) }
        #expect(try service.get(schedule.id, actor: .user(f.creator)).name == "Morning sales")
        #expect(try !service.get(schedule.id, actor: .user(f.creator)).paused)
        try service.unshare(schedule.id, userID: f.viewer.userID, actor: .user(f.creator))
        #expect(throws: NotFound.self) { try service.get(schedule.id, actor: .user(f.viewer)) }
        #expect(try f.audit() == ["schedule.create", "schedule.share", "schedule.unshare"])
        // An admin changes anything.
        #expect(try service.pause(schedule.id, note: "holiday", actor: .user(f.admin)).pauseNote == "holiday")
    }

    @Test func pausingKeepsTheNoteAndResumingRecomputesTheNextRun() throws {
        let f = try ScheduleFixture()
        let service = f.service()
        let schedule = try service.create(f.draft(), actor: .user(f.creator))
        let paused = try service.pause(schedule.id, note: "<script>alert(1)</script>", actor: .user(f.creator))
        #expect(paused.paused && paused.nextRunAt == nil && paused.pauseNote == "<script>alert(1)</script>")
        #expect(try service.list(filter: .paused, actor: .user(f.creator)).items.count == 1)
        #expect(try service.list(filter: .active, actor: .user(f.creator)).items.isEmpty)
        let resumed = try service.resume(schedule.id, actor: .user(f.creator))
        #expect(!resumed.paused && resumed.nextRunAt != nil && resumed.pauseNote == "")
        let updated = try service.update(schedule.id, f.draft("Evening", time: "19:00"), actor: .user(f.creator))
        #expect(updated.cron == "0 19 * * *" && updated.name == "Evening")
        try service.delete(schedule.id, actor: .user(f.creator))
        #expect(throws: NotFound.self) { try service.get(schedule.id, actor: .user(f.creator)) }
        #expect(try f.audit() == ["schedule.create", "schedule.pause", "schedule.resume", "schedule.update", "schedule.delete"])
        let details = try f.connection.query("SELECT details::text AS d FROM audit_log WHERE action = 'schedule.update'")[0].decode("d", as: String.self)
        #expect(details.contains("before") && details.contains("19:00"))
    }

    @Test func listsSearchAndPageByKeyset() throws {
        let f = try ScheduleFixture()
        let service = f.service(max: 100)
        for i in 0..<5 { _ = try service.create(f.draft("Daily \(i)", time: "0\(i):30"), actor: .user(f.creator)) }
        var seen: [String] = []
        var after: [String]?
        repeat {
            let page = try service.list(limit: 2, after: after, actor: .user(f.creator))
            seen += page.items.map(\.name)
            after = page.next
        } while after != nil
        #expect(seen == ["Daily 4", "Daily 3", "Daily 2", "Daily 1", "Daily 0"])
        #expect(try service.failingCount(actor: .user(f.creator)) == 0)
        #expect(try service.list(search: "daily 3", actor: .user(f.creator)).items.map(\.name) == ["Daily 3"])
        #expect(try service.list(search: "sales", actor: .user(f.creator)).items.count == 5)
        #expect(try service.list(search: "%", actor: .user(f.creator)).items.isEmpty)
    }

    /// A list reads again only the schedules whose rows changed (`StoredScheduleRecords`): every kind of change, made
    /// by whatever writer, shows in the next list, and an unchanged schedule comes back as it was.
    @Test func aListShowsEveryChangeOfARememberedSchedule() throws {
        let f = try ScheduleFixture()
        let service = f.service(max: 100)
        let schedule = try service.create(f.draft("Alpha"), actor: .user(f.creator))
        let untouched = try service.create(f.draft("Beta", time: "08:00"), actor: .user(f.creator))
        func listed() throws -> ScheduleRecord {
            try #require(try service.list(actor: .user(f.creator)).items.first { $0.id == schedule.id })
        }
        let first = try listed()
        #expect(first.version == (try service.get(schedule.id, actor: .user(f.creator))).version)
        #expect(try listed() === first, "the remembered record itself")
        // The scheduler's own writes, straight to the row.
        try f.connection.execute("UPDATE schedules SET next_run_at = '2031-01-01T07:00:00Z' WHERE id = \(schedule.id)")
        #expect(try listed().nextRunAt == ISO8601DateFormatter().date(from: "2031-01-01T07:00:00Z"))
        // A run finishing (migration 0012's trigger), shares made and removed, a shared-with user deleted.
        _ = try f.connection.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, status, finished_at)
            VALUES (\(schedule.id), \(f.report), '2026-01-01T07:00:00Z', 'failed', '2026-01-01T07:01:00Z') RETURNING id
            """)
        #expect(try listed().lastRun?.status == "failed")
        try service.share(schedule.id, emails: ["vic@example.org"], actor: .user(f.creator))
        #expect(try listed().sharedWith == [f.viewer.userID])
        try service.unshare(schedule.id, userID: f.viewer.userID, actor: .user(f.creator))
        #expect(try listed().sharedWith.isEmpty)
        let leaving = try ScheduleFixture.principal(f.connection, "eve@example.org", .viewer)
        try service.share(schedule.id, emails: ["eve@example.org"], actor: .user(f.creator))
        #expect(try listed().sharedWith == [leaving.userID])
        try f.connection.execute("DELETE FROM users WHERE id = \(leaving.userID)")
        #expect(try listed().sharedWith.isEmpty)
        // The report renamed, the owner's alert rule changed.
        try f.connection.execute("UPDATE reports SET name = 'Revenue' WHERE id = \(f.report)")
        #expect(try listed().reportName == "Revenue")
        try f.connection.execute("UPDATE users SET alert_every = 3 WHERE id = \(f.creator.userID)")
        #expect(try listed().ownerAlerts.every == 3)
        #expect(try listed().alertRule(every: 5).every == 3)
        // The schedule itself changed through the service.
        _ = try service.pause(schedule.id, note: "holiday", actor: .user(f.creator))
        #expect(try listed().pauseNote == "holiday")
        let other = try #require(try service.list(actor: .user(f.creator)).items.first { $0.id == untouched.id })
        #expect(other.name == "Beta" && other.reportName == "Revenue" && other.ownerAlerts.every == 3)
    }

    /// Migration 0012's triggers keep each schedule's last finished run on the schedule, whoever writes the runs:
    /// the newest finished_at wins, a run that stops being finished (requeued) or is deleted hands it back.
    @Test func theLastRunIsKeptOnTheScheduleByTheDatabase() throws {
        let f = try ScheduleFixture()
        let service = f.service(max: 100)
        let a = try service.create(f.draft("Alpha", time: "01:30"), actor: .user(f.creator))
        let b = try service.create(f.draft("Beta", time: "02:30"), actor: .user(f.creator))
        func run(_ schedule: ScheduleRecord, _ slot: String, _ status: String, finished: String?) throws -> UUID {
            try f.connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, status, finished_at)
                VALUES (\(schedule.id), \(schedule.reportID), \(slot)::timestamptz, \(status), \(finished)::timestamptz) RETURNING id
                """)[0].decode("id")
        }
        func last(_ schedule: ScheduleRecord) throws -> (UUID, String)? {
            try service.get(schedule.id, actor: .user(f.creator)).lastRun.map { ($0.id, $0.status) }
        }
        #expect(try last(a) == nil)
        let older = try run(a, "2026-01-01T01:30:00Z", "succeeded", finished: "2026-01-01T01:31:00Z")
        let newer = try run(a, "2026-01-02T01:30:00Z", "queued", finished: nil)
        #expect(try last(a)?.0 == older)
        try f.connection.query("UPDATE executions SET status = 'failed', finished_at = '2026-01-02T01:31:00Z' WHERE id = \(newer)")
        #expect(try last(a)! == (newer, "failed"))
        _ = try run(b, "2026-01-02T02:30:00Z", "partial", finished: "2026-01-02T02:31:00Z")
        #expect(try service.failingCount(actor: .user(f.creator)) == 2)
        #expect(try service.failingCount(search: "alp", actor: .user(f.creator)) == 1)
        #expect(try service.failingCount(actor: .user(f.viewer)) == 0)
        #expect(try service.list(filter: .failing, actor: .user(f.creator)).items.map(\.name) == ["Beta", "Alpha"])
        // An older run finishing late does not become the last; the newest one requeued hands it back.
        try f.connection.query("UPDATE executions SET status = 'succeeded' WHERE id = \(older)")
        #expect(try last(a)?.0 == newer)
        try f.connection.query("UPDATE executions SET status = 'queued', finished_at = NULL WHERE id = \(newer)")
        #expect(try last(a)! == (older, "succeeded"))
        #expect(try service.failingCount(actor: .user(f.creator)) == 1)
        try f.connection.query("DELETE FROM executions WHERE id = \(older)")
        #expect(try last(a) == nil)
        #expect(try service.list(filter: .failing, actor: .user(f.creator)).items.map(\.name) == ["Beta"])
    }

    @Test func previewShowsRunsInThreeZonesWithDSTAndStoresNothing() throws {
        let f = try ScheduleFixture()
        var draft = f.draft()
        draft.recurrence = Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "02:30")
        let march = try #require(UTCInstant.parse("2026-03-27T00:00:00Z"))
        let preview = f.service().preview(draft, actor: .user(f.creator), now: Date(timeIntervalSince1970: TimeInterval(march)))
        #expect(preview.errors.isEmpty)
        #expect(preview.runs.count == 10)
        #expect(preview.runs.contains { $0.dstNote?.contains("clocks go forward") == true })
        #expect(preview.runs[0].scheduleLocal.hasPrefix("2026-03-27 02:30"))
        #expect(preview.runs[0].utc == "2026-03-27T01:30:00Z")
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM schedules")[0].decode("n", as: Int.self) == 0)
    }

    @Test func previewWarnsOfAConflictWithAnotherScheduleOfTheSameReportAndDestination() throws {
        let f = try ScheduleFixture()
        let existing = try f.service().create(f.draft("First"), actor: .user(f.creator))
        let preview = f.service().preview(f.draft("Second"), actor: .user(f.creator))
        #expect(preview.conflicts.map(\.scheduleID) == [existing.id])
        let bad = f.service().preview(ScheduleDraft(), actor: .user(f.creator))
        #expect(Set(bad.errors.map(\.field)) == ["report_id", "recurrence", "destination_ids"])
    }

    @Test func historyListsRunsWithDeliveriesNewestFirst() throws {
        let f = try ScheduleFixture()
        let schedule = try f.service().create(f.draft(), actor: .user(f.creator))
        let run = try ExecutionService(connection: f.connection).runNow(scheduleID: schedule.id, actor: .user(f.creator))
        try f.connection.execute("UPDATE executions SET status = 'failed', finished_at = now(), error = 'boom' WHERE id = \(run)")
        try f.connection.execute("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status, last_error)
            VALUES (\(run), \(f.destination), 'folder', 'k1', 'failed', 'disk full')
            """)
        let history = try f.service().history(schedule.id, actor: .user(f.creator))
        #expect(history.runs.map(\.id) == [run])
        #expect(history.runs[0].deliveries.map(\.status) == ["failed"])
        #expect(try f.service().list(filter: .failing, actor: .user(f.creator)).items.map(\.id) == [schedule.id])
        #expect(try f.service().latestFailedRun(schedule.id, actor: .user(f.creator)) == run)
        #expect(try f.service().recentOutcomes(schedule.id, actor: .user(f.creator)) == ["failed"])
        #expect(throws: NotFound.self) { try f.service().history(schedule.id, actor: .user(f.other)) }
    }
}
