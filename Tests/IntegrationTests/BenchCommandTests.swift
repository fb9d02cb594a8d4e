import Foundation
import Postgres
import Redis
import Testing
import TestSupport

/// `herald bench` is not part of the operator's surface, and wherever it is pointed it touches only what it created.
struct BenchCommandTests {
    @Test func benchIsHiddenAndLeavesTheDatabaseItIsPointedAtAlone() throws {
        let url = try TestDatabase.create()
        var environment = try HeraldCommandTests.environment(databaseURL: url)
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment).status == 0)
        let connection = try PostgresConnection(url: url)
        // A production-like database: a data source whose limit the old bench overwrote (UPDATE with no WHERE).
        try connection.execute("INSERT INTO data_sources (name, url_encrypted, max_concurrency) VALUES ('warehouse', '\\x00'::bytea, 3)")
        // (Other tests create databases meanwhile: only the bench's own are looked for.)
        func benchDatabases() throws -> Int {
            try connection.query("SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'herald\\_bench\\_%'")[0].decode("n")
        }

        #expect(try !runCommand(HeraldCommandTests.herald, ["--help"], environment: environment).output.contains("bench"))
        try FileManager.default.createDirectory(atPath: environment["HERALD_DATA_DIR"]!, withIntermediateDirectories: true)
        let run = try runCommand(HeraldCommandTests.herald, ["bench", "throughput", "--executions", "8", "--workers", "2"],
                                 environment: environment, timeout: 120)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("result: bench=throughput executions=8"), "\(run.output)")
        #expect(run.output.contains("in its own database herald_bench_"), "\(run.output)")
        // Nothing changed here: the limit, no schedule, report or destination added; its own database is gone.
        #expect(try connection.query("SELECT max_concurrency FROM data_sources")[0].decode("max_concurrency", as: Int.self) == 3)
        for table in ["schedules", "reports", "destinations", "executions"] {
            #expect(try connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table)")).isEmpty, "rows in \(table)")
        }
        #expect(try benchDatabases() == 0)

        // A Redis database with anything in it is refused before anything is created.
        let redis = try RedisConnection(url: environment["HERALD_REDIS_URL"]!)
        try redis.command("SET", "someone-else", "1")
        environment["HERALD_LOG_LEVEL"] = "error"
        let refused = try runCommand(HeraldCommandTests.herald, ["bench", "burst"], environment: environment, timeout: 60)
        #expect(refused.status != 0)
        #expect(refused.output.contains("holds keys"), "\(refused.output)")
        #expect(try redis.command("GET", "someone-else").string == "1")
        #expect(try benchDatabases() == 0)
    }
}
