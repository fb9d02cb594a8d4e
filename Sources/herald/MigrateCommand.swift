import ArgumentParser
import HeraldStore
import Postgres

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Applies pending database migrations (safe to run twice or concurrently).")

    func run() throws {
        let config = loadConfig()
        do {
            let connection = try PostgresConnection(url: config.databaseURL)
            let applied = try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            if applied.isEmpty {
                print("database is up to date")
            } else {
                for migration in applied { print("applied \(String(format: "%04d", migration.version)) \(migration.name)") }
            }
        } catch {
            fail("migration failed: \(error)")
        }
    }
}
