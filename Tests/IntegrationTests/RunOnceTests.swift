import Foundation
import Postgres
import Testing
import TestSupport

/// `herald run-once`: query → CSV → local folder, recorded on the execution and delivery rows.
struct RunOnceTests {
    @Test func runsAReportIntoTheFolderAndRecordsIt() throws {
        let url = try TestDatabase.create()
        var env = try HeraldCommandTests.environment(databaseURL: url)
        let root = (NSTemporaryDirectory() as NSString).standardizingPath
        env["HERALD_DELIVERY_ROOT"] = root
        func herald(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try runCommand(HeraldCommandTests.herald, arguments, environment: env)
        }
        let folderName = "herald-out-\(UUID().uuidString.prefix(8))"
        let folder = root + "/" + folderName
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try herald(["migrate"]).status == 0)
        // The report's own database: a data source that can read Herald's tables is refused.
        let reporting = try TestDatabase.create()
        let source = try herald(["datasource", "add", "--name", "reporting", "--url", reporting]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let report = try herald(["report", "add", "--name", "Ten rows", "--datasource", source, "--sql",
                                 "SELECT n, 'row ' || n AS label FROM generate_series(1, 10) AS n"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let schedule = try herald(["schedule", "add", "--report", report, "--cron", "0 7 * * *", "--tz", "Europe/Berlin",
                                   "--folder", folderName]).output.trimmingCharacters(in: .whitespacesAndNewlines)

        let run = try herald(["run-once", schedule])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("status: succeeded"))
        #expect(run.output.contains("rows: 10"))
        let path = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("delivered: ") }?.dropFirst("delivered: ".count))
        #expect(path.hasPrefix(folder + "/"))
        let csv = try String(contentsOfFile: String(path), encoding: .utf8)
        #expect(csv.hasPrefix("n,label\r\n1,row 1\r\n"))
        #expect(csv.components(separatedBy: "\r\n").count == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: (String(path) as NSString).deletingLastPathComponent).count == 1)

        let store = try PostgresConnection(url: url)
        let execution = try #require(try store.query("SELECT status, attempts, row_count, step_timings::text AS timings FROM executions").first)
        #expect(try execution.decode("status", as: String.self) == "succeeded")
        #expect(try execution.decode("attempts", as: Int.self) == 1)
        #expect(try execution.decode("row_count", as: Int.self) == 10)
        #expect(try execution.decode("timings", as: String.self).contains("query"))
        let delivery = try #require(try store.query("SELECT status, idempotency_key FROM deliveries").first)
        #expect(try delivery.decode("status", as: String.self) == "succeeded")

        let listed = try herald(["execution", "list", "--schedule", schedule, "--json"])
        #expect(listed.status == 0, "\(listed.output)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        #expect(objects.count == 1)
        for key in ["id", "schedule_id", "scheduled_for", "status", "attempts", "started_at", "finished_at", "error"] {
            #expect(objects[0].keys.contains(key), "missing \(key)")
        }
        #expect(objects[0]["status"] as? String == "succeeded")
        #expect(objects[0]["attempts"] as? Int == 1)
        #expect(objects[0]["schedule_id"] as? String == schedule)
        #expect((objects[0]["scheduled_for"] as? String)?.hasSuffix("Z") == true)
        #expect(objects[0]["error"] is NSNull)
        #expect(try herald(["execution", "list"]).output.contains("succeeded  attempts 1"))
    }

    @Test func reportSQLRunsReadOnly() throws {
        let url = try TestDatabase.create()
        let env = try HeraldCommandTests.environment(databaseURL: url)
        func herald(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try runCommand(HeraldCommandTests.herald, arguments, environment: env)
        }
        #expect(try herald(["migrate"]).status == 0)
        let reporting = try TestDatabase.create()
        let source = try herald(["datasource", "add", "--name", "reporting", "--url", reporting]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        // A report that is not a query is refused when saved…
        let refused = try herald(["report", "add", "--name", "Bad", "--datasource", source, "--sql", "CREATE TABLE hacked (id int)"])
        #expect(refused.status == 2)
        #expect(refused.output.contains("CREATE is not allowed"), "\(refused.output)")
        // …and one stored before that rule fails at run time, before anything reaches the data source.
        let report = try herald(["report", "add", "--name", "Bad", "--datasource", source, "--sql", "SELECT 1"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try PostgresConnection(url: url).execute("UPDATE reports SET sql = 'CREATE TABLE hacked (id int)'")
        let schedule = try herald(["schedule", "add", "--report", report, "--cron", "0 7 * * *", "--tz", "UTC",
                                   "--folder", "herald-never"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let run = try herald(["run-once", schedule])
        #expect(run.status == 1)
        #expect(run.output.contains("status: failed"))
        #expect(run.output.contains("read-only"))
        #expect(try PostgresConnection(url: reporting).query("SELECT to_regclass('public.hacked') IS NULL AS missing")[0].decode("missing", as: Bool.self))
        let store = try PostgresConnection(url: url)
        #expect(try store.query("SELECT status FROM executions").first?.decode("status", as: String.self) == "failed")
    }
}
