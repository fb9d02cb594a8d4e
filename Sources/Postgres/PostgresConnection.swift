import CLibPQ
import Foundation

/// One libpq connection. Owns its `PGconn`; use it from one thread at a time (each web or worker thread has its own,
/// or borrows one from a `PostgresPool`). All calls block, so they belong on dedicated OS threads.
///
/// A dropped connection surfaces as `PostgresError.Kind.connectionLost`; the next call reconnects before it runs.
/// Statements are never retried silently: one may have run before the connection dropped.
public final class PostgresConnection {
    public let url: String
    private var handle: OpaquePointer?
    private var needsReconnect = false
    /// Statements this session has prepared, by SQL text: parsed and planned once, not on every call.
    private var prepared: [String: String] = [:]
    static let preparedLimit = 500

    public init(url: String) throws {
        self.url = url
        handle = try Self.connect(url)
    }

    deinit {
        PQfinish(handle)
    }

    public var isConnected: Bool { handle != nil && PQstatus(handle) == CONNECTION_OK && !needsReconnect }

    /// True when the server closed this idle session (it restarted, or `pg_terminate_backend`). libpq notices that
    /// only when it next reads, so a connection kept between requests would fail its next statement although the
    /// server is back; this reads what is waiting, without blocking, and marks the session for reconnecting. A
    /// session in a transaction is not looked at.
    public func closedByServerWhileIdle() -> Bool {
        guard handle != nil, PQstatus(handle) == CONNECTION_OK, !needsReconnect else { return true }
        guard PQtransactionStatus(handle) == PQTRANS_IDLE else { return false }
        // Readable while idle: a notice, a notification, or the server's goodbye (a FATAL message) and then the end
        // of the stream. One read takes what is there; the end shows on the next one, which libpq reports as failed.
        for _ in 0..<4 {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return false }
            if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK {
                needsReconnect = true
                return true
            }
        }
        return false
    }

    /// A transaction is open (or aborted and not yet rolled back) on this session.
    public var inTransaction: Bool { handle != nil && PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// The server process id of this session (for `pg_terminate_backend` and diagnostics).
    public var backendPID: Int32 { PQbackendPID(handle) }

    static func connect(_ url: String) throws(PostgresError) -> OpaquePointer {
        guard let conn = PQconnectdb(url) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.redacting(url, from: Self.errorMessage(conn))
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: "could not connect: \(message)")
        }
        // Text results in a fixed shape, whatever the server's defaults are.
        let setup = PQexec(conn, "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'")
        defer { PQclear(setup) }
        guard PQresultStatus(setup) == PGRES_COMMAND_OK else {
            let message = Self.errorMessage(conn)
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: "could not configure the session: \(message)")
        }
        return conn
    }

    /// libpq quotes pieces of a malformed connection string back in its message; a URL's password, or the URL,
    /// must not reach a log line or an execution's error that way.
    static func redacting(_ url: String, from message: String) -> String {
        var secrets = [url]
        if let password = URLComponents(string: url)?.password, !password.isEmpty {
            secrets += [password, password.removingPercentEncoding ?? password]
        }
        return secrets.filter { $0.count >= 3 }.sorted { $0.count > $1.count }
            .reduce(message) { $0.replacingOccurrences(of: $1, with: "…") }
    }

    static func errorMessage(_ conn: OpaquePointer?) -> String {
        guard let raw = PQerrorMessage(conn) else { return "unknown error" }
        return String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reconnects if the last call found the connection dead.
    private func ensureConnected() throws(PostgresError) {
        if handle != nil && !needsReconnect && PQstatus(handle) == CONNECTION_OK { return }
        PQfinish(handle)
        handle = nil
        prepared = [:]
        handle = try Self.connect(url)
        needsReconnect = false
    }

    /// The live handle, for the module's own extensions (the cancel handle).
    func connectedHandle() throws(PostgresError) -> OpaquePointer {
        try ensureConnected()
        return handle!
    }

    /// Runs a statement and returns its rows (empty for commands).
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try run(query) { result in Self.rows(result) }
    }

    /// Runs a statement and returns its column names and text values, even when there are no rows (for reports).
    public func table(_ query: PostgresQuery) throws -> PostgresTable {
        // Not prepared: a report's `SELECT *` must follow its tables' columns, which a cached plan refuses to do.
        try run(query, prepare: false) { result in
            let columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
            return PostgresTable(columns: columns, rows: Self.rows(result).map(\.values))
        }
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try run(query) { result in
            guard let text = PQcmdTuples(result) else { return 0 }
            return Int(String(cString: text)) ?? 0
        }
    }

    /// Runs several `;`-separated statements without parameters (migrations). PQexec's simple protocol allows that,
    /// PQexecParams does not.
    public func executeScript(unsafeSQL sql: String) throws {
        try ensureConnected()
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result)
    }

    private func run<T>(_ query: PostgresQuery, prepare: Bool = true, _ read: (OpaquePointer) -> T) throws(PostgresError) -> T {
        try ensureConnected()
        // strdup'd copies live until the call returns; every one is freed.
        let copies: [UnsafeMutablePointer<CChar>?] = query.binds.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        var values = copies.map { UnsafePointer($0) }
        let result: OpaquePointer?
        if prepare, let name = try preparedName(query) {
            result = PQexecPrepared(handle, name, Int32(values.count), &values, nil, nil, 0)
        } else {
            result = PQexecParams(handle, query.sql, Int32(values.count), nil, &values, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result)
        return read(result!)
    }

    /// The name of this session's prepared statement for the query's text, preparing it the first time; nil once
    /// the session holds `preparedLimit` of them (then statements are parsed per call, as before).
    private func preparedName(_ query: PostgresQuery) throws(PostgresError) -> String? {
        if let name = prepared[query.sql] { return name }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = "herald_\(prepared.count + 1)"
        let result = PQprepare(handle, name, query.sql, Int32(query.binds.count), nil)
        defer { PQclear(result) }
        try check(result)
        prepared[query.sql] = name
        return name
    }

    /// Turns a failed result into a `PostgresError`, copying every field at once.
    func check(_ result: OpaquePointer?) throws(PostgresError) {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY { return }
        func field(_ code: Character) -> String? {
            guard let result, let raw = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: raw)
        }
        if PQstatus(handle) != CONNECTION_OK {
            needsReconnect = true
            throw PostgresError(kind: .connectionLost, sqlState: field("C"),
                                message: "the connection to PostgreSQL was lost: \(Self.errorMessage(handle))")
        }
        // DETAIL ("D") is left behind on purpose: it echoes row values (see PostgresError).
        throw PostgresError(kind: .query, sqlState: field("C"), message: field("M") ?? Self.errorMessage(handle),
                            hint: field("H"), column: field("c"), constraint: field("n"), table: field("t"))
    }

    static func rows(_ result: OpaquePointer) -> [PostgresRow] {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = PostgresColumnNames((0..<columnCount).map { String(cString: PQfname(result, $0)) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            let values: [String?] = (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil
                    : String(decoding: UnsafeRawBufferPointer(start: PQgetvalue(result, row, column),
                                                              count: Int(PQgetlength(result, row, column))), as: UTF8.self)
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        return rows
    }

    /// Runs small statements in one round trip (libpq's pipeline mode), unprepared, and returns each one's result.
    /// The first failure is thrown once every result is read; the statements after it did not run. Only for a few
    /// short statements: the connection blocks, so a long stream of them could fill both socket buffers at once.
    public func pipeline(_ queries: [PostgresQuery]) throws -> [PostgresTable] {
        try pipelined(queries, prepare: false) { result in
            PostgresTable(columns: (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }, rows: Self.rows(result).map(\.values))
        }
    }

    /// `pipeline`, with each statement prepared in this session (parsed and planned once, like `query`'s), and the
    /// rows of each. Outside an explicit transaction the statements form one implicit transaction: all of them
    /// commit, or (the first failure, thrown once every result is read) none.
    public func pipelinedQueries(_ queries: [PostgresQuery]) throws -> [[PostgresRow]] {
        try pipelined(queries, prepare: true) { result in Self.rows(result) }
    }

    private func pipelined<T>(_ queries: [PostgresQuery], prepare: Bool, _ read: (OpaquePointer) -> T) throws -> [T] {
        try ensureConnected()
        // Prepared before pipeline mode starts (the first time only): PQprepare waits for its answer.
        let names = try queries.map { query throws(PostgresError) in prepare ? try preparedName(query) : nil }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: .query, message: "cannot enter pipeline mode: \(Self.errorMessage(handle))")
        }
        defer { if !needsReconnect { PQexitPipelineMode(handle) } }
        for (query, name) in zip(queries, names) {
            let copies: [UnsafeMutablePointer<CChar>?] = query.binds.map { $0.map { strdup($0) } ?? nil }
            defer { copies.forEach { free($0) } }
            var values = copies.map { UnsafePointer($0) }
            let sent = if let name {
                PQsendQueryPrepared(handle, name, Int32(values.count), &values, nil, nil, 0)
            } else {
                PQsendQueryParams(handle, query.sql, Int32(values.count), nil, &values, nil, nil, 0)
            }
            guard sent == 1 else { throw lost() }
        }
        guard PQpipelineSync(handle) == 1 else { throw lost() }
        var results: [T] = []
        var failure: PostgresError?
        for _ in queries {
            // One result per statement, then a NULL that ends it.
            guard let result = PQgetResult(handle) else { throw lost() }
            defer { PQclear(result) }
            while let extra = PQgetResult(handle) { PQclear(extra) }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_ABORTED: continue
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                results.append(read(result))
            default:
                do { try check(result) } catch { if failure == nil { failure = error } }
                if needsReconnect { throw failure! }
            }
        }
        guard let sync = PQgetResult(handle), PQresultStatus(sync) == PGRES_PIPELINE_SYNC else { throw lost() }
        PQclear(sync)
        if let failure { throw failure }
        return results
    }

    /// The connection broke mid-call: the next call reconnects.
    func lost() -> PostgresError {
        needsReconnect = true
        return PostgresError(kind: .connectionLost, message: "the connection to PostgreSQL was lost: \(Self.errorMessage(handle))")
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back and rethrows when it throws. A statement
    /// that failed inside `body` and was caught there leaves the transaction aborted; the server then answers
    /// `COMMIT` with `ROLLBACK`, which throws here instead of passing for a commit.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
        let tag = try run("COMMIT", prepare: false) { result in PQcmdStatus(result).map { String(cString: $0) } ?? "" }
        guard tag == "COMMIT" else {
            throw PostgresError(kind: .query, sqlState: "40000", message: "the transaction was rolled back instead of committed (\(tag))")
        }
        return value
    }

    /// Subscribes this session to a NOTIFY channel.
    public func listen(_ channel: String) throws {
        try execute(PostgresQuery(unsafeSQL: "LISTEN " + Self.quoteIdentifier(channel)))
    }

    public func notify(_ channel: String, payload: String) throws {
        try execute("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Waits up to `timeout` seconds for a notification on a channel this session listens to.
    public func waitForNotification(timeout: Double) throws -> PostgresNotification? {
        try ensureConnected()
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let notification = try nextNotification() { return notification }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, Double(Int32.max)).rounded(.up)))
            if ready < 0 && errno != EINTR {
                throw PostgresError(kind: .connectionLost, message: "poll failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    private func nextNotification() throws(PostgresError) -> PostgresNotification? {
        if PQconsumeInput(handle) == 0 {
            needsReconnect = true
            throw PostgresError(kind: .connectionLost, message: "the connection to PostgreSQL was lost: \(Self.errorMessage(handle))")
        }
        guard let raw = PQnotifies(handle) else { return nil }
        defer { PQfreemem(raw) }
        return PostgresNotification(channel: String(cString: raw.pointee.relname), payload: String(cString: raw.pointee.extra),
                                    processID: raw.pointee.be_pid)
    }

    /// `"name"` with embedded quotes doubled.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A result as columns and text rows (nil is NULL).
public struct PostgresTable: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[String?]]
}

public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    public let processID: Int32
}
