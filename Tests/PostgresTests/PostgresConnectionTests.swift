import Foundation
import Testing
import TestSupport
@testable import Postgres

struct PostgresConnectionTests {
    func connect() throws -> PostgresConnection { try PostgresConnection(url: try TestEnvironment.databaseURL()) }

    @Test func bindsRoundTripNullUnicodeQuotesAndPlaceholders() throws {
        let connection = try connect()
        let values: [String?] = [nil, "", "O'Brien \"quoted\" \\ backslash", "$1 $2 ; DROP TABLE x; --", "Grüße 👩‍💻 日本語 é",
                                 "tab\tnew\nline"]
        for value in values {
            let row = try connection.query("SELECT \(value)::text AS v")[0]
            #expect(try row.decode("v", as: String?.self) == value)
        }
    }

    @Test func aOneMegabyteTextRoundTrips() throws {
        let connection = try connect()
        let big = String(repeating: "Herald ünïcödé 0123456789 ", count: 40_000)
        #expect(big.utf8.count > 1_000_000)
        let row = try connection.query("SELECT \(big)::text AS v, length(\(big)::text) AS n")[0]
        #expect(try row.decode("v", as: String.self) == big)
        #expect(try row.decode("n", as: Int.self) == big.count)
    }

    struct Settings: Codable, Equatable, Sendable { var host: String; var port: Int; var tags: [String] }

    @Test func everyTypeRoundTrips() throws {
        let connection = try connect()
        let id = UUID()
        let now = Date(timeIntervalSince1970: 1_795_403_544.654321)
        let bytes: [UInt8] = Array(0...255)
        let settings = Settings(host: "sftp.example.org", port: 22, tags: ["finance", "ä"])
        let row = try connection.query("""
            SELECT \(42)::int AS i, \(Int64.max)::bigint AS big, \(Int32.min)::int AS small, \(3.25)::float8 AS d,
                   \(true)::bool AS yes, \(false)::bool AS no, \(id)::uuid AS id, \(now)::timestamptz AS at,
                   \(bytes)::bytea AS raw, \(Data(bytes))::bytea AS data, \(PostgresJSON(settings))::jsonb AS settings,
                   \(["x", "y\"z"])::text[] AS list, NULL::int AS nothing
            """)[0]
        #expect(try row.decode("i", as: Int.self) == 42)
        #expect(try row.decode("big", as: Int64.self) == .max)
        #expect(try row.decode("small", as: Int32.self) == .min)
        #expect(try row.decode("d", as: Double.self) == 3.25)
        #expect(try row.decode("yes", as: Bool.self))
        #expect(try !row.decode("no", as: Bool.self))
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("at", as: Date.self) == now || abs(try row.decode("at", as: Date.self).timeIntervalSince(now)) < 0.000_001)
        #expect(try row.decode("raw", as: [UInt8].self) == bytes)
        #expect(try row.decode("data", as: Data.self) == Data(bytes))
        #expect(try row.decodeJSON("settings", as: Settings.self) == settings)
        #expect(try row.decode("list", as: String.self) == #"{x,"y\"z"}"#)
        #expect(try row.decode("nothing", as: Int?.self) == nil)
        let inferred: Int? = try row.decode("nothing")   // an optional declared type takes the nullable overload
        #expect(inferred == nil)
        let present: Int? = try row.decode("i")
        #expect(present == 42)
        #expect(try row.isNull("nothing"))
    }

    @Test func arrayBindsWorkWithAny() throws {
        let connection = try connect()
        let ids = [UUID(), UUID()]
        let rows = try connection.query("SELECT x FROM unnest(\(ids)::uuid[]) AS x WHERE x = ANY(\(ids)::uuid[])")
        #expect(try rows.map { try $0.decode("x", as: UUID.self) } == ids)
    }

    @Test func decodingErrorsNameTheColumn() throws {
        let connection = try connect()
        let row = try connection.query("SELECT NULL::int AS missing_value, 'abc' AS word, '{\"a\":1}'::jsonb AS doc")[0]
        let nullError = #expect(throws: PostgresError.self) { try row.decode("missing_value", as: Int.self) }
        #expect(nullError?.column == "missing_value")
        #expect(nullError?.description.contains("missing_value") == true)
        let typeError = #expect(throws: PostgresError.self) { try row.decode("word", as: Int.self) }
        #expect(typeError?.kind == .decoding)
        #expect(typeError?.description.contains("word") == true)
        #expect(typeError?.description.contains("Int") == true)
        let unknown = #expect(throws: PostgresError.self) { try row.decode("nope", as: Int.self) }
        #expect(unknown?.description.contains("nope") == true)
        let json = #expect(throws: PostgresError.self) { try row.decodeJSON("doc", as: Settings.self) }
        #expect(json?.description.contains("doc") == true)
        #expect(json?.description.contains("host") == true)
    }

    @Test func serverErrorsCarrySQLStateAndNeverBoundValues() throws {
        let connection = try connect()
        let table = "t_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TEMP TABLE \(table) (id int PRIMARY KEY, secret text)"))
        try connection.execute("INSERT INTO \(unsafeRaw: table) VALUES (1, \("s3cr3t-value"))")
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO \(unsafeRaw: table) VALUES (1, \("s3cr3t-value"))")
        }
        #expect(error?.sqlState == "23505")
        #expect(error?.isUniqueViolation == true)
        #expect(error?.constraint == "\(table)_pkey")
        // The server's DETAIL ("Key (id)=(1) already exists") echoes row values: it is not kept.
        #expect(error?.description.contains("(id)=(1)") == false)
        #expect(error?.description.contains("s3cr3t-value") == false)
        let syntax = #expect(throws: PostgresError.self) { try connection.query("SELEC \("s3cr3t-value")") }
        #expect(syntax?.sqlState == "42601")
        #expect(syntax?.description.contains("s3cr3t-value") == false)
    }

    @Test func transactionsCommitOrRollBack() throws {
        let connection = try connect()
        let table = "t_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TEMP TABLE \(table) (v text)"))
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO \(unsafeRaw: table) VALUES (\("rolled back"))")
                throw Abort()
            }
        }
        try connection.transaction { try connection.execute("INSERT INTO \(unsafeRaw: table) VALUES (\("kept"))") }
        #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO \(unsafeRaw: table) VALUES (\("also rolled back"))")
                try connection.execute("SELECT 1/0")
            }
        }
        let values = try connection.query("SELECT v FROM \(unsafeRaw: table)").map { try $0.decode("v", as: String.self) }
        #expect(values == ["kept"])
        #expect(try connection.execute("INSERT INTO \(unsafeRaw: table) VALUES ('after')") == 1)
    }

    @Test func listenReceivesNotifyAndWaitTimesOut() throws {
        let listener = try connect()
        let sender = try connect()
        let channel = "herald test \(UUID().uuidString)"
        try listener.listen(channel)
        let started = Date()
        #expect(try listener.waitForNotification(timeout: 0.3) == nil)
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.29 && waited < 2)
        try sender.notify(channel, payload: "schedule changed: ü")
        let notification = try #require(try listener.waitForNotification(timeout: 5))
        #expect(notification.channel == channel)
        #expect(notification.payload == "schedule changed: ü")
        #expect(notification.processID == sender.backendPID)
    }

    @Test func reconnectsAfterItsBackendIsTerminated() throws {
        let connection = try connect()
        let killer = try connect()
        let pid = connection.backendPID
        #expect(try killer.query("SELECT pg_terminate_backend(\(pid)) AS done")[0].decode("done", as: Bool.self))
        // Wait (bounded) until the server has really let the backend go, so the next call must find it dead.
        let deadline = Date().addingTimeInterval(10)
        while try killer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = \(pid)")[0].decode("n", as: Int.self) > 0 {
            try #require(Date() < deadline, "backend \(pid) still alive after 10 s")
            usleep(10_000)
        }
        let lost = #expect(throws: PostgresError.self) { try connection.query("SELECT 1 AS one") }
        #expect(lost?.kind == .connectionLost)
        #expect(try connection.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
        let newPID = connection.backendPID
        #expect(newPID != pid && newPID > 0)
        #expect(try connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int32.self) == newPID)
        #expect(try killer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = \(newPID)")[0].decode("n", as: Int.self) == 1)
    }

    @Test func errorsNameTheConstraintButNeverCarryRowValues() throws {
        let connection = try connect()
        let table = "canary_\(UUID().uuidString.prefix(8).lowercased())"
        let canary = "canary-\(UUID().uuidString)@example.com"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (email text CONSTRAINT \(table)_email UNIQUE)"))
        defer { _ = try? connection.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)")) }
        try connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (email) VALUES ($1)", binds: [canary]))
        let error = #expect(throws: PostgresError.self) {
            try connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (email) VALUES ($1)", binds: [canary]))
        }
        #expect(error?.isUniqueViolation == true)
        #expect(error?.constraint == "\(table)_email")
        #expect(error?.table == table)
        let text = "\(String(describing: error)) \(error.map { "\($0)" } ?? "") \(error?.localizedDescription ?? "")"
        #expect(!text.contains("canary-"), "a row value leaked: \(text)")
        #expect(text.contains("23505") && text.contains("\(table)_email"))
        // The DETAIL of a cast error echoes its input too.
        let cast = #expect(throws: PostgresError.self) { try connection.query("SELECT \(canary)::jsonb AS j") }
        #expect(cast?.sqlState == "22P02")
        #expect(!"\(cast.map { "\($0)" } ?? "")".contains("canary-"))
    }

    @Test func aCommitTheServerTurnsIntoARollbackThrows() throws {
        let connection = try connect()
        let table = "aborted_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (n int)"))
        defer { _ = try? connection.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)")) }
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
                // A failure swallowed inside the body aborts the transaction all the same.
                _ = try? connection.query("SELECT 1 / 0 AS boom")
            }
        }
        #expect(error?.message.contains("rolled back") == true)
        #expect(try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(table)"))[0].decode("n", as: Int.self) == 0)
        // The connection is usable afterwards, and a clean transaction still commits.
        try connection.transaction { try connection.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (2)")) }
        #expect(try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(table)"))[0].decode("n", as: Int.self) == 1)
    }

    @Test func aPipelineReturnsEveryResultAndStopsAtTheFirstFailure() throws {
        let connection = try connect()
        let pid = connection.backendPID
        let tables = try connection.pipeline(["BEGIN", "SELECT \(7)::int AS n, 'x' AS s", "SELECT 1 AS a WHERE false", "COMMIT"])
        #expect(tables.count == 4)
        #expect(tables[1] == PostgresTable(columns: ["n", "s"], rows: [["7", "x"]]))
        #expect(tables[2] == PostgresTable(columns: ["a"], rows: []))

        let table = "piped_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (n int)"))
        defer { _ = try? connection.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)")) }
        let error = #expect(throws: PostgresError.self) {
            try connection.pipeline([PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"), "SELECT 1 / 0 AS boom",
                                     PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (2)")])
        }
        #expect(error?.sqlState == "22012")
        // Without BEGIN the pipeline is one implicit transaction: the failure undid the first insert, and the third never ran.
        #expect(try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(table)"))[0].decode("n", as: Int.self) == 0)
        // The same session goes on, out of pipeline mode.
        #expect(try connection.query("SELECT 2 AS n")[0].decode("n", as: Int.self) == 2)
        #expect(connection.backendPID == pid)
    }

    @Test func pipelinedQueriesArePreparedOnceAndCommitOrFailTogether() throws {
        let connection = try connect()
        let table = "prepiped_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (n int)"))
        defer { _ = try? connection.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)")) }
        func insert(_ n: Int) -> PostgresQuery { PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ($1) RETURNING n", binds: ["\(n)"]) }
        func count() throws -> Int {
            try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(table)"))[0].decode("n")
        }
        func prepared() throws -> Int {
            try connection.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO prepiped_%'")[0].decode("n")
        }

        let first = try connection.pipelinedQueries([insert(1), insert(2)])
        #expect(try first.map { try $0[0].decode("n", as: Int.self) } == [1, 2])
        #expect(try prepared() == 1)
        _ = try connection.pipelinedQueries([insert(3)])
        #expect(try prepared() == 1)
        #expect(try count() == 3)

        // One implicit transaction: the failure of the second statement undoes the first.
        let error = #expect(throws: PostgresError.self) {
            try connection.pipelinedQueries([insert(4), PostgresQuery(unsafeSQL: "SELECT 1 / ($1::int - 1) AS boom", binds: ["1"])])
        }
        #expect(error?.sqlState == "22012")
        #expect(try count() == 3)
        #expect(!connection.inTransaction)
    }

    @Test func aConnectionErrorNeverQuotesTheURLOrItsPassword() throws {
        let password = "s3cret-\(UUID().uuidString.prefix(8))"
        for url in ["postgresql://herald:\(password)@127.0.0.1:1/db?sslmode=\(password)",
                    "postgresql://herald:\(password)@127.0.0.1:notaport/db",
                    "postgresql://herald:\(password)%zz@127.0.0.1:1/db"] {
            let error = #expect(throws: PostgresError.self) { try PostgresConnection(url: url) }
            #expect(error?.kind == .connection)
            #expect(!"\(error.map { "\($0)" } ?? "")".contains(password), "\(error.map { "\($0)" } ?? "")")
        }
    }

    @Test func poolNeverOpensMoreThanItsLimit() throws {
        let url = try TestEnvironment.databaseURL()
        let pool = PostgresPool(url: url, maxConnections: 3)
        let tag = "pool-\(UUID().uuidString.prefix(8))"
        let group = DispatchGroup()
        let failures = Counter()
        for _ in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for _ in 0..<10 {
                    do {
                        try pool.withConnection { connection in
                            try connection.execute("SELECT set_config('application_name', \(tag), false)")
                            try connection.execute("SELECT pg_sleep(0.01)")
                        }
                    } catch { failures.increment() }
                }
            }
        }
        group.wait()
        #expect(failures.value == 0)
        let backends = try PostgresConnection(url: url).query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = \(tag)")
        #expect(try backends[0].decode("n", as: Int.self) <= 3)
        #expect(try backends[0].decode("n", as: Int.self) >= 1)
    }

    @Test func connectingToNothingIsAClearError() throws {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(url: "postgresql://postgres@127.0.0.1:\(freeLoopbackPort())/none?connect_timeout=2")
        }
        #expect(error?.kind == .connection)
        #expect(error?.description.contains("could not connect") == true)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
