import Crypto
import Foundation
import HeraldStore
import Postgres
import Testing
import TestSupport
@testable import HeraldScheduler

/// A worker's data-source connections: at most `sourceConnections`, the least recently used closed first, and
/// closed when their data source is edited or deleted. Each source names its sessions, so PostgreSQL shows which are open.
struct ExecutionRunnerSourceTests {
    /// Polls `condition` every 20 ms for up to `timeout` seconds (a closed session leaves pg_stat_activity shortly after).
    func eventually(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    @Test func theConnectionCacheIsBoundedAndFollowsEditedAndDeletedSources() throws {
        let key = SecretBox.generateKey()
        let url = try TestDatabase.create()
        let store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        let catalog = try DataSourceRepository(connection: store, secretKey: key)
        func named(_ app: String) -> String { url + "?application_name=" + app }
        func sessions(_ app: String) throws -> Int {
            try store.query("""
                SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = \(app)
                """)[0].decode("n")
        }
        var reports: [String: UUID] = [:]
        var sources: [String: UUID] = [:]
        for name in ["a", "b", "c"] {
            sources[name] = try catalog.create(name: name, url: named("herald-src-\(name)"))
            reports[name] = try ReportRepository(connection: store).create(name: name, dataSourceID: sources[name]!, sql: "SELECT 1 AS one")
        }
        let folder = NSTemporaryDirectory() + "herald-runner-\(UUID().uuidString.prefix(8))"
        let runner = ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key,
                                     settings: .init(dataDirectory: folder, sourceConnections: 2, sourceRecheckSeconds: 0), owner: "test")
        func run(_ name: String) throws {
            let id: UUID = try store.query("""
                INSERT INTO executions (report_id, scheduled_for, trigger) VALUES (\(reports[name]!), now(), 'manual') RETURNING id
                """)[0].decode("id")
            guard case .finished(let outcome) = try runner.run(id), outcome.status == "succeeded" else {
                Issue.record("the run on \(name) did not succeed")
                return
            }
        }

        try run("a")
        try run("b")
        #expect(runner.openSourceConnections == 2)
        #expect(try sessions("herald-src-a") == 1 && sessions("herald-src-b") == 1)
        // A third source: the least recently used (a) is closed.
        try run("c")
        #expect(runner.openSourceConnections == 2)
        #expect(try eventually(5) { try sessions("herald-src-a") == 0 })
        #expect(try sessions("herald-src-c") == 1)
        // An edited URL: the old session is closed, the new one used.
        try catalog.updateURL(id: sources["b"]!, url: named("herald-src-b2"))
        try run("b")
        #expect(try eventually(5) { try sessions("herald-src-b") == 0 })
        #expect(try sessions("herald-src-b2") == 1)
        // A deleted source (its report first): its session is closed at the next run, whichever source that uses.
        try store.execute("DELETE FROM reports WHERE id = \(reports["c"]!)")
        try store.execute("DELETE FROM data_sources WHERE id = \(sources["c"]!)")
        try run("b")
        #expect(runner.openSourceConnections == 1)
        #expect(try eventually(5) { try sessions("herald-src-c") == 0 })
    }
}
