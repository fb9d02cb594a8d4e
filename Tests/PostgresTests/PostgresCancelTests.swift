import Foundation
import Testing
import TestSupport
@testable import Postgres

struct PostgresCancelTests {
    @Test func aCancelFromAnotherThreadStopsTheRunningStatementAndKeepsTheSession() throws {
        let connection = try PostgresConnection(url: try TestEnvironment.databaseURL())
        let cancel = try connection.makeCancel()
        let pid = connection.backendPID
        let url = try TestEnvironment.databaseURL()
        // Cancel once the statement is seen running on the server (bounded: the thread gives up after 10 s).
        let outcome = CancelOutcome()
        let thread = Thread {
            let observer = try? PostgresConnection(url: url)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let active = (try? observer?.query("""
                    SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = \(pid) AND state = 'active' AND query LIKE '%pg_sleep(30)%'
                    """)[0].decode("n", as: Int.self)) ?? 0
                if active == 1 { break }
                usleep(20_000)
            }
            var failure: (any Error)?
            do { try cancel.cancel() } catch { failure = error }
            outcome.finish(failure)
        }
        thread.start()
        let started = Date()
        #expect {
            try connection.query("SELECT pg_sleep(30)")
        } throws: { error in
            (error as? PostgresError)?.isQueryCanceled == true
        }
        #expect(Date().timeIntervalSince(started) < 15)
        let failure = outcome.wait(timeout: 10)
        #expect(failure.done && failure.error == nil, "\(String(describing: failure.error))")
        // The session survives a cancel.
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
        #expect(connection.backendPID == pid)
        // A cancel with nothing running does nothing.
        try cancel.cancel()
        #expect(try connection.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
    }
}

/// What the cancelling thread reports back.
final class CancelOutcome: @unchecked Sendable {
    private let condition = NSCondition()
    private var done = false
    private var error: (any Error)?

    func finish(_ error: (any Error)?) {
        condition.withLock {
            self.error = error
            done = true
            condition.broadcast()
        }
    }

    func wait(timeout: Double) -> (done: Bool, error: (any Error)?) {
        condition.withLock {
            let deadline = Date().addingTimeInterval(timeout)
            while !done && condition.wait(until: deadline) {}
            return (done, error)
        }
    }
}
