import Foundation
import Postgres

/// Facts about the PostgreSQL server itself (not Herald's tables), for `herald doctor`.
public struct DatabaseServer {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// `server_version`, e.g. "16.4 (Debian 16.4-1.pgdg120+1)".
    public func version() throws -> String {
        try connection.query("SELECT current_setting('server_version') AS version")[0].decode("version")
    }

    /// The server's clock now (`clock_timestamp()`, not the transaction's start): leases and slots are compared
    /// against it.
    public func clock() throws -> Date {
        try connection.query("SELECT clock_timestamp() AS now")[0].decode("now")
    }
}
