import Foundation
import Postgres

/// A fresh, empty database on the test PostgreSQL server, so tests that migrate or count rows never see each other.
public enum TestDatabase {
    /// Creates `herald_test_<random>` and returns its URL.
    public static func create() throws -> String {
        let serverURL = try TestEnvironment.databaseURL()
        let name = "herald_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try PostgresConnection(url: serverURL)
        try admin.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return url(serverURL, database: name)
    }

    /// The same server URL pointing at another database.
    static func url(_ serverURL: String, database: String) -> String {
        var components = URLComponents(string: serverURL)!
        components.path = "/" + database
        return components.string!
    }
}
