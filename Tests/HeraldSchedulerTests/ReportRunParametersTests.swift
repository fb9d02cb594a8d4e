import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A run binds the report's parameters at its logical time (the slot in the schedule's zone, never the wall clock),
/// streams the one result into every format the schedule asks for, keeps each file as an artifact, delivers them
/// all, and records the values it resolved. Hostile values are data, never SQL.
struct ReportRunParametersTests {
    static let hostile = ["'; DROP TABLE reports; --", "1 OR 1=1", "$$", "pg_read_file('/etc/passwd')"]

    @Test func aScheduledRunBindsItsValuesAtTheSlotAndDeliversEveryFormat() throws {
        let key = SecretBox.generateKey()
        let url = try TestDatabase.create()
        let store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        try store.execute("""
            CREATE TABLE sales AS SELECT r AS region, d::date AS sold_at, 10.5 AS amount
            FROM unnest(ARRAY['EU', 'US']) r, generate_series('2026-01-20'::date, '2026-03-09'::date, interval '1 day') d
            """)
        let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
        let report = try ReportService(connection: store).create(ReportInput(
            name: "Sales", dataSourceID: source,
            sql: """
                SELECT region, sold_at, amount, (SELECT string_agg(n, '|' ORDER BY n) FROM unnest(:notes::text[]) n) AS notes
                FROM sales WHERE region = :region AND sold_at >= :from -- :not_a_parameter in a comment
                ORDER BY sold_at, region
                """,
            parameters: [
                ReportParameter(name: "region", type: .choice, choices: ["EU", "US"], default: .string("US")),
                ReportParameter(name: "from", type: .date, default: .string("start_of_month-1m")),
                ReportParameter(name: "notes", type: .list, itemType: .text),
            ]), actor: .commandLine).id
        let root = NSTemporaryDirectory() + "herald-params-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let schedule = try ScheduleService(connection: store, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10)).create(
            ScheduleDraft(reportID: report, recurrence: Recurrence(kind: .custom, timeZone: "Europe/Berlin", cron: "30 0 * * *"),
                          parameters: ["region": .string("EU"), "notes": .list(Self.hostile.map(ParameterInput.string))],
                          formats: ScheduleService.formats, filenamePattern: "{report_name}_{date}.{format}"),
            intoNewFolder: "out", deliveryRoot: root + "/deliveries", actor: .commandLine)

        // 00:30 in Berlin on 10 March is still 9 March in UTC: the logical date is the 10th, so start_of_month-1m
        // is 1 February, whatever today's date is.
        let id: UUID = try store.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger)
            VALUES (\(schedule.id), \(report), '2026-03-09 23:30:00+00', 'manual') RETURNING id
            """)[0].decode("id")
        let runner = ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key,
                                     settings: .init(dataDirectory: root, deliveryRoot: root + "/deliveries"), owner: "test")
        guard case .finished(let outcome) = try runner.run(id) else { Issue.record("the run did not finish"); return }
        #expect(outcome.status == "succeeded", "\(outcome)")

        let run = try store.query("SELECT row_count::int AS n, parameters::text AS p, report_version FROM executions WHERE id = \(id)")[0]
        #expect(try run.decode("n", as: Int.self) == 37)          // 1 February to 9 March, EU only
        #expect(try run.decode("report_version", as: Int.self) == 1)
        let resolved = try JSONSerialization.jsonObject(with: Data(try run.decode("p", as: String.self).utf8)) as? [String: Any]
        #expect(resolved?["from"] as? String == "2026-02-01")
        #expect(resolved?["region"] as? String == "EU")
        #expect(resolved?["notes"] as? [String] == Self.hostile)

        let artifacts = try store.query("SELECT format, storage_path FROM artifacts WHERE execution_id = \(id) ORDER BY format")
        #expect(try artifacts.map { try $0.decode("format", as: String.self) } == ["csv", "html", "json", "pdf", "xlsx"])
        let delivered = root + "/deliveries/out/2026/03/10"
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: delivered))
                == Set(ScheduleService.formats.map { "Sales_2026-03-10.\($0)" }))
        let csv = try String(contentsOfFile: delivered + "/Sales_2026-03-10.csv", encoding: .utf8)
        #expect(csv.hasPrefix("region,sold_at,amount,notes\r\nEU,2026-02-01,10.5,"))
        #expect(csv.contains(Self.hostile.sorted().joined(separator: "|")))
        #expect(FileManager.default.contents(atPath: delivered + "/Sales_2026-03-10.xlsx")?.prefix(2) == Data("PK".utf8))
        #expect(FileManager.default.contents(atPath: delivered + "/Sales_2026-03-10.pdf")?.prefix(4) == Data("%PDF".utf8))
        let json = try JSONSerialization.jsonObject(with: try #require(FileManager.default.contents(atPath: delivered + "/Sales_2026-03-10.json"))) as? [String: Any]
        #expect((json?["rows"] as? [Any])?.count == 37)
        #expect(try store.query("SELECT count(*)::int AS n FROM reports")[0].decode("n", as: Int.self) == 1)
    }

    @Test func aValueThatNoLongerFitsFailsTheRunWithTheReasonBeforeAnyQuery() throws {
        let key = SecretBox.generateKey()
        let url = try TestDatabase.create()
        let store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
        let report = try ReportService(connection: store).create(ReportInput(
            name: "Count", dataSourceID: source, sql: "SELECT :n::int + 1 AS m",
            parameters: [ReportParameter(name: "n", type: .integer, required: true)]), actor: .commandLine).id
        // A run without a schedule takes the defaults: a required parameter without one cannot run.
        let id: UUID = try store.query("""
            INSERT INTO executions (report_id, scheduled_for, trigger) VALUES (\(report), now(), 'manual') RETURNING id
            """)[0].decode("id")
        let root = NSTemporaryDirectory() + "herald-params-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key, settings: .init(dataDirectory: root), owner: "test")
        guard case .finished(let outcome) = try runner.run(id) else { Issue.record("the run did not finish"); return }
        #expect(outcome.status == "failed")
        #expect(outcome.error?.contains("parameters.n is required") == true, "\(outcome.error ?? "")")
        #expect(!FileManager.default.fileExists(atPath: root + "/artifacts"))
    }

    /// Acceptance: a backfill over 10 past daily slots gives 10 runs whose resolved `:from` values are the 10 days.
    @Test func aBackfillOfTenDailySlotsResolvesTenDifferentDays() throws {
        let key = SecretBox.generateKey()
        let url = try TestDatabase.create()
        let store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
        let report = try ReportService(connection: store).create(ReportInput(
            name: "Daily", dataSourceID: source, sql: "SELECT :from::date AS day",
            parameters: [ReportParameter(name: "from", type: .date, default: .string("yesterday"))]), actor: .commandLine).id
        let root = NSTemporaryDirectory() + "herald-backfill-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let service = ScheduleService(connection: store, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10))
        let schedule = try service.create(
            ScheduleDraft(reportID: report, recurrence: Recurrence(kind: .custom, timeZone: "Europe/Berlin", cron: "30 0 * * *")),
            intoNewFolder: "daily", deliveryRoot: root + "/deliveries", actor: .commandLine)
        let backfill = try service.backfill(schedule.id, from: "2026-11-01", to: "2026-11-10", rerun: false, actor: .commandLine)
        #expect(backfill.created == 10)
        let runner = ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key,
                                     settings: .init(dataDirectory: root, deliveryRoot: root + "/deliveries"), owner: "test")
        for id in backfill.executionIDs {
            guard case .finished(let outcome) = try runner.run(id) else { Issue.record("run \(id) did not finish"); continue }
            #expect(outcome.status == "succeeded")
        }
        let days = try store.query("""
            SELECT parameters->>'from' AS day FROM executions WHERE schedule_id = \(schedule.id) AND trigger = 'backfill' ORDER BY scheduled_for
            """).map { try $0.decode("day", as: String.self) }
        // Slots 1–10 November at 00:30 Berlin; "yesterday" of each is 31 October to 9 November.
        #expect(days == ["2026-10-31"] + (1...9).map { String(format: "2026-11-%02d", $0) })
    }
}
