import Foundation
import Testing
import TestSupport
@testable import Postgres

struct PostgresRestartTests {
    @Test func reconnectsAfterTheServerRestarts() throws {
        let cluster = try PrivatePostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
        let before = connection.backendPID
        try cluster.control("restart")
        do {
            _ = try connection.query("SELECT 1 AS one")
        } catch let error as PostgresError {
            #expect(error.kind == .connectionLost, "\(error)")
        }
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
        #expect(connection.backendPID != before)
    }

    @Test func aStoppedServerIsAConnectionErrorUntilItReturns() throws {
        let cluster = try PrivatePostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
        try cluster.control("stop")
        #expect(throws: PostgresError.self) { try connection.query("SELECT 1 AS one") }
        let whileDown = #expect(throws: PostgresError.self) { try connection.query("SELECT 1 AS one") }
        #expect(whileDown?.kind == .connection)
        try cluster.control("start")
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
    }

    @Test func anIdleSessionTheServerClosedIsNoticedBeforeTheNextStatement() throws {
        let cluster = try PrivatePostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
        #expect(!connection.closedByServerWhileIdle())
        try cluster.control("restart")
        // The server said goodbye on the way down; libpq has not read it yet.
        #expect(connection.isConnected)
        #expect(connection.closedByServerWhileIdle())
        #expect(!connection.isConnected)
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
        #expect(!connection.closedByServerWhileIdle())
    }
}
