import Foundation
import Postgres

/// Rows the execution tests need, inserted directly: a schedule (with its data source and report), runs, deliveries,
/// artifacts. Names and texts are given by each test (hostile ones included).
struct ExecutionFixtures {
    let store: PostgresConnection

    func schedule(owner: UUID, name: String = "Daily sales", reportName: String = "Sales", recurrence: String = #"{"kind":"daily","time_zone":"UTC","time":"08:00"}"#,
                  nextSlot: Date? = nil) throws -> UUID {
        let source: UUID = try store.query("""
            INSERT INTO data_sources (name, url_encrypted) VALUES (\("src-" + UUID().uuidString), \(Data([1, 2, 3]))) RETURNING id
            """)[0].decode("id")
        let report: UUID = try store.query("""
            INSERT INTO reports (name, data_source_id, sql, owner_id) VALUES (\(reportName), \(source), 'SELECT 1', \(owner)) RETURNING id
            """)[0].decode("id")
        return try store.query("""
            INSERT INTO schedules (report_id, name, recurrence, cron, time_zone, owner_id, next_run_at, next_slot_at)
            VALUES (\(report), \(name), \(recurrence)::jsonb, '0 8 * * *', 'UTC', \(owner), \(nextSlot)::timestamptz, \(nextSlot)::timestamptz) RETURNING id
            """)[0].decode("id")
    }

    func execution(schedule: UUID, status: String, at: Date, error: String? = nil, timings: String = "{}", trigger: String = "schedule",
                   deadLettered: Bool = false) throws -> UUID {
        try store.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, status, error, step_timings, attempts, started_at, finished_at, dead_lettered_at)
            SELECT id, report_id, \(at)::timestamptz, \(trigger), \(status), \(error), \(timings)::jsonb, 1,
                   CASE WHEN \(status) <> 'queued' THEN \(at)::timestamptz END,
                   CASE WHEN \(status) NOT IN ('queued', 'running') THEN \(at.addingTimeInterval(2.5))::timestamptz END,
                   CASE WHEN \(deadLettered) THEN now() END
            FROM schedules WHERE id = \(schedule) RETURNING id
            """)[0].decode("id")
    }

    func destination(owner: UUID, name: String) throws -> UUID {
        try store.query("""
            INSERT INTO destinations (name, kind, settings, owner_id) VALUES (\(name), 'folder', '{"path":"out"}'::jsonb, \(owner)) RETURNING id
            """)[0].decode("id")
    }

    @discardableResult
    func delivery(execution: UUID, destination: UUID, status: String, lastError: String? = nil, detail: String? = nil) throws -> UUID {
        try store.query("""
            INSERT INTO deliveries (execution_id, destination_id, channel, idempotency_key, status, attempts, last_error, detail)
            VALUES (\(execution), \(destination), 'folder', \(UUID().uuidString), \(status), 3, \(lastError), \(detail)) RETURNING id
            """)[0].decode("id")
    }

    func artifact(execution: UUID, fileName: String = "sales.csv", storagePath: String? = nil) throws -> UUID {
        let id = UUID()
        let path = storagePath ?? "artifacts/2026/12/02/\(id.uuidString.lowercased())-tok.csv"
        try store.execute("""
            INSERT INTO artifacts (id, execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(id), \(execution), 'csv', \(fileName), \(path), 12, \(Data(repeating: 0xab, count: 32)))
            """)
        return id
    }
}
