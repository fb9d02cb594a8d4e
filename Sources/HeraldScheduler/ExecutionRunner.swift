import Foundation
import HeraldCore
import HeraldDelivery
import HeraldRender
import HeraldStore
import Postgres

/// Runs one execution: claim it, run the report's query on its data source in a READ ONLY transaction with a
/// statement timeout, render CSV, deliver to each destination, and record every outcome on the execution and
/// delivery rows. Blocking; callers run it on a worker thread.
public struct ExecutionRunner {
    public struct Outcome: Sendable, Equatable {
        public let status: String
        public let rowCount: Int?
        public let error: String?
        public let paths: [String]
    }

    let store: PostgresConnection
    let secretKey: [UInt8]

    public init(store: PostgresConnection, secretKey: [UInt8]) {
        self.store = store
        self.secretKey = secretKey
    }

    /// Nil when the execution is not queued (another worker has it, or it already ended).
    public func run(_ executionID: UUID) throws -> Outcome? {
        guard let job = try store.query("""
            UPDATE executions e
            SET status = 'running', step = 'query', attempts = attempts + 1, started_at = clock_timestamp()
            FROM reports r JOIN data_sources d ON d.id = r.data_source_id
            WHERE e.id = \(executionID) AND e.status = 'queued' AND r.id = e.report_id
            RETURNING e.scheduled_for, r.name, r.sql, r.data_source_id, d.statement_timeout_ms,
                      (SELECT s.destination_ids FROM schedules s WHERE s.id = e.schedule_id)::text AS destinations,
                      (SELECT s.time_zone FROM schedules s WHERE s.id = e.schedule_id) AS time_zone
            """).first else { return nil }
        var timings: [String: Double] = [:]
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

        // Query.
        let queried = clock.now
        let table: PostgresTable
        do {
            guard let url = try DataSourceRepository(connection: store, secretKey: secretKey).connectionURL(id: try job.decode("data_source_id")) else {
                throw DeliveryError("the data source no longer exists")
            }
            let source = try PostgresConnection(url: url)
            let timeout: Int = try job.decode("statement_timeout_ms")
            table = try source.transaction {
                try source.execute("SET TRANSACTION READ ONLY")
                try source.execute("SELECT set_config('statement_timeout', \(String(timeout)), true)")
                return try source.table(PostgresQuery(unsafeSQL: try job.decode("sql", as: String.self)))
            }
        } catch {
            return try finish(executionID, status: "failed", rowCount: nil, error: "query failed: \(error)", timings: timings, paths: [])
        }
        timings["query"] = seconds(clock.now - queried)

        // Render.
        try store.execute("UPDATE executions SET step = 'render' WHERE id = \(executionID)")
        let rendered = clock.now
        let csv = CSVRenderer.render(columns: table.columns, rows: table.rows)
        timings["render"] = seconds(clock.now - rendered)

        // Deliver.
        try store.execute("UPDATE executions SET step = 'deliver' WHERE id = \(executionID)")
        let delivering = clock.now
        let destinations = try Self.uuids(try job.decode("destinations", as: String?.self) ?? "{}")
        let zone = try ZoneRules.named(try job.decode("time_zone", as: String?.self) ?? "UTC")
        let slot = Int64(try job.decode("scheduled_for", as: Date.self).timeIntervalSince1970)
        let local = UTCInstant.format(slot + Int64(zone.offset(at: slot)))
        var paths: [String] = []
        var failures: [String] = []
        for destination in destinations {
            let key = "\(executionID.uuidString.lowercased()):\(destination.uuidString.lowercased()):"
            do {
                guard let row = try store.query("SELECT kind, settings FROM destinations WHERE id = \(destination)").first else {
                    throw DeliveryError("the destination no longer exists")
                }
                guard try row.decode("kind", as: String.self) == "folder" else { throw DeliveryError("this channel is not available yet") }
                struct Folder: Decodable { let path: String; let filename: String }
                let folder = try row.decodeJSON("settings", as: Folder.self)
                let name = try FileNamePattern(folder.filename).fileName(
                    reportName: try job.decode("name"), localDateTime: local.replacingOccurrences(of: "T", with: " "),
                    format: "csv", executionID: executionID.uuidString.lowercased())
                let date = local.prefix(10).split(separator: "-").compactMap { Int($0) }
                let path = try LocalFolderChannel(root: folder.path).deliver(csv, fileName: name, localDate: (date[0], date[1], date[2]),
                                                                            stamp: String(local.filter(\.isNumber).prefix(14)))
                paths.append(path)
                try record(executionID, destination, key: key, error: nil)
            } catch {
                failures.append("\(error)")
                try record(executionID, destination, key: key, error: "\(error)")
            }
        }
        timings["deliver"] = seconds(clock.now - delivering)
        let status = failures.isEmpty ? "succeeded" : (paths.isEmpty ? "failed" : "partial")
        return try finish(executionID, status: status, rowCount: table.rows.count, error: failures.first, timings: timings, paths: paths)
    }

    private func record(_ execution: UUID, _ destination: UUID, key: String, error: String?) throws {
        try store.execute("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status, attempts, last_error, delivered_at)
            VALUES (\(execution), \(destination), 'folder', \(key), \(error == nil ? "succeeded" : "failed"), 1, \(error),
                    CASE WHEN \(error == nil) THEN clock_timestamp() END)
            ON CONFLICT (idempotency_key) DO UPDATE
            SET status = excluded.status, attempts = deliveries.attempts + 1, last_error = excluded.last_error,
                delivered_at = excluded.delivered_at, updated_at = now()
            """)
    }

    private func finish(_ id: UUID, status: String, rowCount: Int?, error: String?, timings: [String: Double], paths: [String]) throws -> Outcome {
        try store.execute("""
            UPDATE executions
            SET status = \(status), step = NULL, finished_at = clock_timestamp(), row_count = \(rowCount), error = \(error),
                step_timings = \(PostgresJSON(timings))::jsonb
            WHERE id = \(id)
            """)
        return Outcome(status: status, rowCount: rowCount, error: error, paths: paths)
    }

    /// `{a,b}` (PostgreSQL's uuid[] text) → ids.
    static func uuids(_ text: String) throws -> [UUID] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { UUID(uuidString: String($0)) }
    }
}
