import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A schedule's delivery condition decides, from the run's own result, whether it delivers: each mode delivers when
/// it should and otherwise ends the run `skipped` with the reason, keeping no file. A zipped schedule delivers one
/// archive of all its formats.
struct ConditionalDeliveryRunTests {
    struct Fixture {
        let store: PostgresConnection
        let runner: ExecutionRunner
        let report: UUID
        let root: String
        let schedules: ScheduleService

        init() throws {
            let key = SecretBox.generateKey()
            let url = try TestDatabase.create()
            store = try PostgresConnection(url: url)
            try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
            try store.execute("CREATE TABLE orders AS SELECT r AS region, 60.25 AS amount FROM unnest(ARRAY['EU', 'EU', 'US']) r")
            let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
            report = try ReportService(connection: store).create(ReportInput(
                name: "Orders", dataSourceID: source, sql: "SELECT region, amount FROM orders WHERE region = :region ORDER BY amount",
                parameters: [ReportParameter(name: "region", type: .text, default: .string("EU"))]), actor: .commandLine).id
            root = NSTemporaryDirectory() + "herald-conditions-\(UUID().uuidString.prefix(8))"
            schedules = ScheduleService(connection: store, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 50))
            runner = ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key,
                                     settings: .init(dataDirectory: root, deliveryRoot: root + "/deliveries"), owner: "test")
        }

        func schedule(_ condition: DeliveryCondition, region: String = "EU", formats: [String] = ["csv"], zip: Bool = false) throws -> UUID {
            try schedules.create(ScheduleDraft(reportID: report, recurrence: Recurrence(kind: .custom, timeZone: "UTC", cron: "0 7 * * *"),
                                               parameters: ["region": .string(region)], formats: formats,
                                               exportOptions: ExportOptions(zip: zip), deliveryCondition: condition),
                                 intoNewFolder: "out-\(UUID().uuidString.prefix(6))", deliveryRoot: root + "/deliveries", actor: .commandLine).id
        }

        /// Runs one execution of the schedule for `slot` and returns its status and skip reason.
        func run(_ schedule: UUID, slot: String) throws -> (status: String, reason: String?, artifacts: [String]) {
            let id: UUID = try store.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger) VALUES (\(schedule), \(report), \(slot)::timestamptz, 'manual')
                RETURNING id
                """)[0].decode("id")
            guard case .finished = try runner.run(id) else { Issue.record("the run did not finish"); return ("", nil, []) }
            let row = try store.query("SELECT status, skip_reason FROM executions WHERE id = \(id)")[0]
            let artifacts = try store.query("SELECT format FROM artifacts WHERE execution_id = \(id) ORDER BY format").map { try $0.decode("format", as: String.self) }
            return (try row.decode("status"), try row.decode("skip_reason", as: String?.self), artifacts)
        }
    }

    @Test func ifRowsSkipsAnEmptyResult() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let empty = try f.run(try f.schedule(DeliveryCondition(.ifRows), region: "APAC"), slot: "2026-11-02 07:00Z")
        #expect(empty.status == "skipped")
        #expect(empty.reason == "no rows")
        #expect(empty.artifacts.isEmpty)
        #expect(try f.run(try f.schedule(DeliveryCondition(.ifRows)), slot: "2026-11-02 07:00Z").status == "succeeded")
    }

    @Test func ifChangedSkipsAResultLikeTheLastDeliveredOne() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let schedule = try f.schedule(DeliveryCondition(.ifChanged))
        #expect(try f.run(schedule, slot: "2026-11-02 07:00Z").status == "succeeded")
        let same = try f.run(schedule, slot: "2026-11-03 07:00Z")
        #expect(same.status == "skipped")
        #expect(same.reason == "unchanged since the run of 2026-11-02 07:00")
        try f.store.execute("UPDATE orders SET amount = 61 WHERE region = 'EU'")
        #expect(try f.run(schedule, slot: "2026-11-04 07:00Z").status == "succeeded")
    }

    @Test func ifConditionComparesTheSumWithTheThreshold() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let high = try f.run(try f.schedule(DeliveryCondition(measure: .sum, column: "amount", .greater, "5000")), slot: "2026-11-02 07:00Z")
        #expect(high.status == "skipped")
        #expect(high.reason == "total 120.5 is not > 5,000")
        #expect(try f.run(try f.schedule(DeliveryCondition(measure: .sum, column: "amount", .greater, "100")), slot: "2026-11-02 07:00Z").status == "succeeded")
        let missing = try f.run(try f.schedule(DeliveryCondition(measure: .anyRow, column: "total", .equal, "1")), slot: "2026-11-02 07:00Z")
        #expect(missing.status == "failed")
    }

    @Test func aZippedScheduleDeliversOneArchiveOfEveryFormat() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let zipped = try f.run(try f.schedule(.always, formats: ["csv", "json"], zip: true), slot: "2026-11-02 07:00Z")
        #expect(zipped.status == "succeeded")
        #expect(zipped.artifacts == ["csv", "json", "zip"])
        let folders = try FileManager.default.contentsOfDirectory(atPath: f.root + "/deliveries")
        let delivered = try FileManager.default.contentsOfDirectory(atPath: f.root + "/deliveries/\(try #require(folders.first))/2026/11/02")
        #expect(delivered.count == 1)
        let archive = try #require(delivered.first)
        #expect(archive.hasSuffix(".zip"))
        let bytes = try #require(FileManager.default.contents(atPath: f.root + "/deliveries/\(folders[0])/2026/11/02/\(archive)"))
        #expect(bytes.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]))
        #expect(String(decoding: bytes, as: UTF8.self).contains("Orders_2026-11-02.json"))
    }

    /// A backfill run that skips wakes the next slot's run, as a delivered one does: the chain never stalls.
    @Test func aSkippedBackfillRunWakesTheNextSlot() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let schedule = try f.schedule(DeliveryCondition(.ifRows), region: "APAC")
        let backfill = try f.schedules.backfill(schedule, from: "2026-11-01", to: "2026-11-03", rerun: false, actor: .commandLine)
        #expect(backfill.created == 3)
        for (index, id) in backfill.executionIDs.enumerated() {
            #expect(try f.store.query("SELECT waiting_for_schedule AS w FROM executions WHERE id = \(id)")[0].decode("w", as: Bool.self) == false,
                    "slot \(index + 1) was not woken")
            guard case .finished(let outcome) = try f.runner.run(id) else { Issue.record("run \(index + 1) did not finish"); continue }
            #expect(outcome.status == "skipped")
        }
    }
}
