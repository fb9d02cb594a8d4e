import CLibPQ
import Foundation

/// A column of a streamed result: its name and its type's OID (`pg_type.oid`), for typed output.
public struct PostgresColumn: Sendable, Equatable {
    public let name: String
    public let typeOID: UInt32
    public init(name: String, typeOID: UInt32) {
        self.name = name
        self.typeOID = typeOID
    }
}

extension PostgresConnection {
    /// Runs `query` between `prologue` and `epilogue` statements in one round trip (pipeline mode) and hands its rows
    /// over one at a time as they arrive (libpq's single-row mode), so memory does not grow with the result.
    /// `columns` is called once, before the first row (also for a result without rows). `row` returns false to stop
    /// early: the rest of the query is cancelled and drained, and the call returns true ("stopped").
    ///
    /// The statements are unprepared (a report's `SELECT *` must follow its tables). A failure of any statement is
    /// thrown once the pipeline is read to its end; a transaction the prologue opened is then still open and
    /// aborted, and the caller rolls it back (`inTransaction` says so).
    public func stream(_ query: PostgresQuery, after prologue: [PostgresQuery] = [], before epilogue: [PostgresQuery] = [],
                       cancel: PostgresCancel? = nil,
                       columns: ([PostgresColumn]) throws -> Void, row: ([String?]) throws -> Bool) throws -> Bool {
        let handle = try connectedHandle()
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: .query, message: "cannot enter pipeline mode: \(Self.errorMessage(handle))")
        }
        var broken = false
        defer { if !broken { PQexitPipelineMode(handle) } }
        func send(_ statement: PostgresQuery) throws {
            let copies: [UnsafeMutablePointer<CChar>?] = statement.binds.map { $0.map { strdup($0) } ?? nil }
            defer { copies.forEach { free($0) } }
            var values = copies.map { UnsafePointer($0) }
            guard PQsendQueryParams(handle, statement.sql, Int32(values.count), nil, &values, nil, nil, 0) == 1 else {
                broken = true
                throw lost()
            }
        }
        for statement in prologue { try send(statement) }
        try send(query)
        for statement in epilogue { try send(statement) }
        guard PQpipelineSync(handle) == 1 else { broken = true; throw lost() }

        var failure: Error?
        var stopped = false
        /// Keeps the first failure; once this call stopped the query, the cancel's own error is expected, not one.
        func note(_ error: Error) {
            if stopped, (error as? PostgresError)?.isQueryCanceled == true { return }
            if failure == nil { failure = error }
        }
        func next() throws -> OpaquePointer {
            guard let result = PQgetResult(handle) else { broken = true; throw lost() }
            return result
        }
        /// Reads one statement's results up to the NULL that ends them.
        func finishStatement(_ result: OpaquePointer) throws {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_PIPELINE_ABORTED: break
            default:
                do { try check(result) } catch { note(error) }
                if !isConnected { broken = true; throw failure ?? lost() }
            }
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }

        for _ in prologue { try finishStatement(try next()) }
        // In pipeline mode the row-by-row mode applies to the statement whose results are read next: the query's,
        // once the prologue's are read. It fails only when the prologue aborted the pipeline (nothing to stream).
        _ = PQsetSingleRowMode(handle)
        var described = false
        while true {
            let result = try next()
            let status = PQresultStatus(result)
            guard status == PGRES_SINGLE_TUPLE || (status == PGRES_TUPLES_OK && !described) else {
                // The final (empty) TUPLES_OK after the rows, or an error (the cancel's, once stopped).
                if stopped, status == PGRES_FATAL_ERROR {
                    PQclear(result)
                    while let extra = PQgetResult(handle) { PQclear(extra) }
                } else {
                    try finishStatement(result)
                }
                break
            }
            defer { PQclear(result) }
            if !described && failure == nil {
                described = true
                let count = PQnfields(result)
                do {
                    try columns((0..<count).map { PostgresColumn(name: String(cString: PQfname(result, $0)), typeOID: UInt32(PQftype(result, $0))) })
                } catch { note(error); stopped = true; try? cancel?.cancel() }
            }
            // One row per result in single-row mode; a final result without rows ends it.
            for index in 0..<PQntuples(result) where !stopped {
                let values: [String?] = (0..<PQnfields(result)).map { column in
                    PQgetisnull(result, index, column) == 1 ? nil
                        : String(decoding: UnsafeRawBufferPointer(start: PQgetvalue(result, index, column),
                                                                  count: Int(PQgetlength(result, index, column))), as: UTF8.self)
                }
                do {
                    if try !row(values) { stopped = true; try? cancel?.cancel() }
                } catch { note(error); stopped = true; try? cancel?.cancel() }
            }
            if status == PGRES_TUPLES_OK {
                while let extra = PQgetResult(handle) { PQclear(extra) }
                break
            }
        }
        for _ in epilogue { try finishStatement(try next()) }
        let sync = try next()
        defer { PQclear(sync) }
        guard PQresultStatus(sync) == PGRES_PIPELINE_SYNC else { broken = true; throw lost() }
        if let failure { throw failure }
        return stopped
    }
}
