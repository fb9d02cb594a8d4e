import Foundation
import Testing
import TestSupport
@testable import Postgres

/// Restarts the test server, so it keeps to itself: other suites' connections may see one dropped connection and
/// reconnect, which is the behaviour under test anyway.
@Suite(.serialized)
struct PostgresRestartTests {
    @Test func reconnectsAfterTheServerRestarts() throws {
        let connection = try PostgresConnection(url: try TestEnvironment.databaseURL())
        let before = connection.backendPID
        let control = try TestEnvironment.postgresControl()
        let restart = try runShell("\(control) restart -w -m fast")
        #expect(restart.status == 0, "\(restart.output)")
        do {
            _ = try connection.query("SELECT 1 AS one")
        } catch let error as PostgresError {
            #expect(error.kind == .connectionLost, "\(error)")
        }
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
        #expect(connection.backendPID != before)
    }
}
