import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Firing against a real PostgreSQL: every due slot becomes exactly one execution row.
struct ScheduleFiringTests {
    static func database() throws -> (url: String, report: UUID) {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(url: url)
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let source: UUID = try connection.query("""
            INSERT INTO data_sources (name, url_encrypted) VALUES ('warehouse', '\\x00'::bytea) RETURNING id
            """)[0].decode("id")
        let report: UUID = try connection.query("""
            INSERT INTO reports (name, data_source_id, sql) VALUES ('sales', \(source), 'SELECT 1') RETURNING id
            """)[0].decode("id")
        return (url, report)
    }

    static let hourly = Recurrence(kind: .everyHours, timeZone: "Europe/Berlin", interval: 1, minute: 0)

    @Test func twoFirersOverAThousandDueSchedulesMakeOneExecutionEach() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let created = Date(timeIntervalSince1970: 1_795_000_000)
        let repository = ScheduleRepository(connection: connection)
        try connection.transaction {
            for _ in 0..<1000 { _ = try repository.create(NewSchedule(reportID: report, recurrence: Self.hourly), now: created) }
        }
        let now = created.addingTimeInterval(3600 + 10)   // every schedule's first slot is due, on time
        let results = FiringResults()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let firing = ScheduleFiring(connection: try PostgresConnection(url: url))
                    while true {
                        let fired = try firing.fireDue(now: now, batchSize: 50)
                        if fired.isEmpty { break }
                        results.add(fired)
                    }
                } catch {
                    results.fail(error)
                }
            }
        }
        group.wait()
        #expect(results.errors.isEmpty, "\(results.errors)")
        #expect(results.fired.count == 1000)
        #expect(Set(results.fired.map(\.scheduleID)).count == 1000)
        let counts = try connection.query("""
            SELECT count(*) AS n, count(DISTINCT schedule_id) AS schedules, min(scheduled_for) = max(scheduled_for) AS one_slot
            FROM executions
            """)[0]
        #expect(try counts.decode("n", as: Int.self) == 1000)
        #expect(try counts.decode("schedules", as: Int.self) == 1000)
        #expect(try counts.decode("one_slot", as: Bool.self))
        let due = try connection.query("SELECT count(*) AS n FROM schedules WHERE next_run_at <= \(now)")[0]
        #expect(try due.decode("n", as: Int.self) == 0)
    }

    @Test func sixHoursDownWithRunOnceFiresOneCatchUpAndCountsTheRest() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let created = Date(timeIntervalSince1970: 1_795_000_000)
        let id = try ScheduleRepository(connection: connection).create(
            NewSchedule(reportID: report, recurrence: Self.hourly, misfire: .runOnce), now: created)
        let firstSlot: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(id)")[0].decode("next_slot_at")
        let now = firstSlot.addingTimeInterval(6 * 3600 - 600)   // slots at +0h … +5h were missed
        let fired = try ScheduleFiring(connection: connection).fireDue(now: now)
        #expect(fired.count == 1)
        #expect(fired.first?.scheduledFor == firstSlot.addingTimeInterval(5 * 3600))
        #expect(fired.first?.missedCount == 5)
        let row = try connection.query("SELECT trigger, missed_count FROM executions")[0]
        #expect(try row.decode("trigger", as: String.self) == "catch_up")
        #expect(try row.decode("missed_count", as: Int.self) == 5)
        let next: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(id)")[0].decode("next_slot_at")
        #expect(next == firstSlot.addingTimeInterval(6 * 3600))
    }

    @Test func sixHoursDownWithSkipFiresNothingAndMovesOn() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let created = Date(timeIntervalSince1970: 1_795_000_000)
        let id = try ScheduleRepository(connection: connection).create(
            NewSchedule(reportID: report, recurrence: Self.hourly, misfire: .skip), now: created)
        let firstSlot: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(id)")[0].decode("next_slot_at")
        let fired = try ScheduleFiring(connection: connection).fireDue(now: firstSlot.addingTimeInterval(6 * 3600 - 600))
        #expect(fired.isEmpty)
        #expect(try connection.query("SELECT count(*) AS n FROM executions")[0].decode("n", as: Int.self) == 0)
        let next: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(id)")[0].decode("next_slot_at")
        #expect(next == firstSlot.addingTimeInterval(6 * 3600))
    }

    @Test func aSlotFiredTwiceIsStoredOnce() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let created = Date(timeIntervalSince1970: 1_795_000_000)
        let id = try ScheduleRepository(connection: connection).create(NewSchedule(reportID: report, recurrence: Self.hourly), now: created)
        let slot: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(id)")[0].decode("next_slot_at")
        #expect(try ScheduleFiring(connection: connection).fireDue(now: slot.addingTimeInterval(5)).count == 1)
        // A crashed firer's restart: next_slot_at rolled back to the fired slot.
        try connection.execute("UPDATE schedules SET next_slot_at = \(slot), next_run_at = \(slot) WHERE id = \(id)")
        #expect(try ScheduleFiring(connection: connection).fireDue(now: slot.addingTimeInterval(5)).isEmpty)
        #expect(try connection.query("SELECT count(*) AS n FROM executions")[0].decode("n", as: Int.self) == 1)
    }

    @Test func jitterDelaysTheDueTimeButNotTheSlot() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let id = try ScheduleRepository(connection: connection).create(
            NewSchedule(reportID: report, recurrence: Self.hourly, jitterSeconds: 300), now: Date(timeIntervalSince1970: 1_795_000_000))
        let row = try connection.query("SELECT next_slot_at, next_run_at FROM schedules WHERE id = \(id)")[0]
        let slot: Date = try row.decode("next_slot_at")
        let due: Date = try row.decode("next_run_at")
        #expect(due.timeIntervalSince(slot) == TimeInterval(Jitter.seconds(scheduleID: id.uuidString, maximum: 300)))
    }

    @Test func firingAheadWritesTheRowWithItsStartTimeAndLeavesLaterSlotsAlone() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let created = Date()   // the slots are in the future of the database's clock
        let repository = ScheduleRepository(connection: connection)
        let jittered = try repository.create(NewSchedule(reportID: report, recurrence: Self.hourly, jitterSeconds: 600), now: created)
        let plain = try repository.create(NewSchedule(reportID: report, recurrence: Self.hourly), now: created)
        let dues = try connection.query("SELECT id, next_run_at FROM schedules").reduce(into: [UUID: Date]()) {
            $0[try $1.decode("id")] = try $1.decode("next_run_at")
        }
        // Half a second before the plain schedule's slot, with a second of horizon: it fires, the jittered one not.
        let now = dues[plain]!.addingTimeInterval(-0.5)
        let fired = try ScheduleFiring(connection: connection).fireDue(now: now, horizon: now.addingTimeInterval(1))
        let horizon = now.addingTimeInterval(1)
        #expect(Set(fired.map(\.scheduleID)) == Set([plain] + (dues[jittered]! <= horizon ? [jittered] : [])))
        #expect(fired.first { $0.scheduleID == plain }?.runAt == dues[plain])
        let row = try connection.query("SELECT not_before, enqueued_at FROM executions WHERE schedule_id = \(plain)")[0]
        #expect(try row.decode("not_before", as: Date.self) == dues[plain])
        #expect(try row.isNull("enqueued_at"))
        // Ahead of its time, nobody may take it: the reconciler waits for not_before, a worker's claim too.
        #expect(try ExecutionRepository(connection: connection).takeReady().isEmpty)
        if dues[jittered]! > horizon {
            #expect(try connection.query("SELECT 1 FROM executions WHERE schedule_id = \(jittered)").isEmpty)
        }
    }

    @Test func aScheduleThatNoLongerCompilesIsMarkedBrokenAndTheOthersFire() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let owner: UUID = try connection.query("""
            INSERT INTO users (email, role, password_hash) VALUES ('owner@example.org', 'creator', 'x') RETURNING id
            """)[0].decode("id")
        let created = Date(timeIntervalSince1970: 1_795_000_000)
        let repository = ScheduleRepository(connection: connection)
        try connection.transaction {
            for _ in 0..<100 { _ = try repository.create(NewSchedule(reportID: report, recurrence: Self.hourly, ownerID: owner), now: created) }
        }
        // As an older version or a system that lost a zone from its tzdata would leave it: due first in the batch.
        let poison: UUID = try connection.query("""
            INSERT INTO schedules (report_id, name, recurrence, cron, time_zone, owner_id, next_slot_at, next_run_at)
            VALUES (\(report), 'poison', '{"kind": "custom", "time_zone": "Mars/Olympus_Mons", "cron": "0 * * * *"}', '0 * * * *',
                    'Mars/Olympus_Mons', \(owner), \(created), \(created))
            RETURNING id
            """)[0].decode("id")
        let batch = try ScheduleFiring(connection: connection).fire(now: created.addingTimeInterval(3600 + 10), batchSize: 500)
        #expect(batch.claimed == 101)
        #expect(batch.fired.count == 100)
        #expect(!batch.fired.contains { $0.scheduleID == poison })
        #expect(batch.broken.map(\.scheduleID) == [poison])
        let row = try connection.query("SELECT next_run_at, next_slot_at, broken_reason, broken_at FROM schedules WHERE id = \(poison)")[0]
        #expect(try row.isNull("next_run_at"))
        #expect(try row.isNull("next_slot_at"))
        #expect(try !row.isNull("broken_at"))
        let reason = try #require(try row.decode("broken_reason", as: String?.self))
        #expect(reason.contains("Mars/Olympus_Mons"), "\(reason)")
        let told = try connection.query("SELECT kind, title, body FROM notifications WHERE user_id = \(owner)")
        #expect(told.count == 1)
        #expect(try told.first?.decode("kind", as: String.self) == "schedule.broken")
        #expect(try told.first?.decode("title", as: String.self).contains("poison") == true)
        #expect(try told.first?.decode("body", as: String.self) == reason)
        // Listed as broken, with the reason; the next round does not pick it again.
        #expect(try ScheduleService(connection: connection, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10)).get(poison, actor: .commandLine).brokenReason == reason)
        #expect(try ScheduleFiring(connection: connection).fire(now: created.addingTimeInterval(3600 + 20)).claimed == 0)
        // Resuming it fails the same way and leaves it broken.
        #expect(throws: (any Error).self) { try repository.setEnabled(poison, true, now: created) }
        #expect(try ScheduleService(connection: connection, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10)).get(poison, actor: .commandLine).brokenReason == reason)
    }

    @Test func manualAndTestRunsNeverTakeOrCollideWithASlot() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let created = Date(timeIntervalSince1970: 1_795_000_000)
        let id = try ScheduleRepository(connection: connection).create(NewSchedule(reportID: report, recurrence: Self.hourly), now: created)
        let slot: Date = try connection.query("SELECT next_slot_at FROM schedules WHERE id = \(id)")[0].decode("next_slot_at")
        // A manual run whose instant is the slot's (the millisecond rounding used to make this happen for real).
        try connection.execute("INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger) VALUES (\(id), \(report), \(slot), 'manual')")
        try connection.execute("INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger) VALUES (\(id), \(report), \(slot), 'test')")
        let fired = try ScheduleFiring(connection: connection).fireDue(now: slot.addingTimeInterval(5))
        #expect(fired.count == 1)
        #expect(fired.first?.scheduledFor == slot)
        // The slot itself still fires only once.
        try connection.execute("UPDATE schedules SET next_slot_at = \(slot), next_run_at = \(slot) WHERE id = \(id)")
        #expect(try ScheduleFiring(connection: connection).fireDue(now: slot.addingTimeInterval(5)).isEmpty)
        // Requested runs at the same instant are all kept, each its own row.
        let service = ExecutionService(connection: connection)
        let requested = try (0..<5).map { _ in try service.runNow(scheduleID: id, actor: .commandLine) }
        #expect(Set(requested).count == 5)
        let counts = try connection.query("""
            SELECT count(*) FILTER (WHERE trigger = 'schedule') AS slots, count(*) FILTER (WHERE trigger = 'manual') AS manual FROM executions
            """)[0]
        #expect(try counts.decode("slots", as: Int.self) == 1)
        #expect(try counts.decode("manual", as: Int.self) == 6)
    }

    @Test func aDatabaseMigratedFrom0001KeepsFiringItsSchedules() throws {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(url: url)
        let all = try Migration.bundled()
        try Migrator(connection: connection, migrations: all.filter { $0.version == 1 }).migrate()
        let source: UUID = try connection.query("INSERT INTO data_sources (name, url_encrypted) VALUES ('w', '\\x00'::bytea) RETURNING id")[0].decode("id")
        let report: UUID = try connection.query("INSERT INTO reports (name, data_source_id, sql) VALUES ('r', \(source), 'SELECT 1') RETURNING id")[0].decode("id")
        let slot = Date(timeIntervalSince1970: 1_795_003_200)   // a whole hour
        let recurrence = String(decoding: try JSONEncoder().encode(Self.hourly), as: UTF8.self)
        let schedules: [UUID] = try (0..<3).map { _ in
            try connection.query("""
                INSERT INTO schedules (report_id, recurrence, cron, time_zone, next_run_at)
                VALUES (\(report), \(recurrence)::jsonb, '0 * * * *', 'Europe/Berlin', \(slot)) RETURNING id
                """)[0].decode("id")
        }
        try Migrator(connection: connection, migrations: all).migrate()
        #expect(try connection.query("SELECT count(*) AS n FROM schedules WHERE next_slot_at = \(slot)")[0].decode("n", as: Int.self) == 3)
        let fired = try ScheduleFiring(connection: connection).fireDue(now: slot.addingTimeInterval(5))
        #expect(Set(fired.map(\.scheduleID)) == Set(schedules))
        #expect(fired.allSatisfy { $0.scheduledFor == slot })
        let moved = try connection.query("SELECT count(*) AS n FROM schedules WHERE next_slot_at = \(slot.addingTimeInterval(3600))")[0]
        #expect(try moved.decode("n", as: Int.self) == 3)
    }

    @Test func invalidSchedulesAreRefusedAndNothingIsStored() throws {
        let (url, report) = try Self.database()
        let connection = try PostgresConnection(url: url)
        let repository = ScheduleRepository(connection: connection)
        #expect(throws: ValidationError.self) {
            try repository.create(NewSchedule(reportID: report, recurrence: Recurrence(kind: .everyMinutes, timeZone: "UTC", interval: 7)), now: Date())
        }
        #expect(throws: ValidationError.self) {
            try repository.create(NewSchedule(reportID: report, recurrence: Self.hourly, priority: 12), now: Date())
        }
        #expect(try connection.query("SELECT count(*) AS n FROM schedules")[0].decode("n", as: Int.self) == 0)
    }
}

final class FiringResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var fired: [FiredSlot] = []
    private(set) var errors: [String] = []
    func add(_ slots: [FiredSlot]) { lock.withLock { fired += slots } }
    func fail(_ error: any Error) { lock.withLock { errors.append("\(error)") } }
}
