import Foundation
import HeraldStore
import Postgres

extension Doctor {
    func connectDatabase(_ url: String) -> (connection: PostgresConnection?, result: DoctorResult) {
        let shown = Self.withoutCredentials(url)
        do {
            let connection = try PostgresConnection(url: url)
            let version = try DatabaseServer(connection: connection).version()
            return (connection, DoctorResult("postgresql", .ok, "\(shown): PostgreSQL \(version)"))
        } catch {
            return (nil, DoctorResult("postgresql", .failed, "\(shown) is unreachable: \(error)"))
        }
    }

    func migrationsCheck(_ connection: PostgresConnection) -> DoctorResult {
        do {
            let status = try Migrator(connection: connection, migrations: try Migration.bundled()).status()
            if !status.pending.isEmpty {
                return DoctorResult("migrations", .failed, "\(status.pending.count) not applied: run `herald migrate`",
                                    items: status.pending.map { String(format: "%04d", $0.version) + " " + $0.name })
            }
            if !status.unknown.isEmpty {
                return DoctorResult("migrations", .warning,
                                    "\(status.unknown.count) applied that this build does not know: a newer herald migrated this database",
                                    items: status.unknown.map { String(format: "%04d", $0) })
            }
            return DoctorResult("migrations", .ok, "all \(status.applied) applied")
        } catch {
            return DoctorResult("migrations", .failed, "could not read them: \(error)")
        }
    }

    func clockCheck(_ connection: PostgresConnection) -> DoctorResult {
        do {
            let before = Date()
            let server = try DatabaseServer(connection: connection).clock()
            let after = Date()
            // The server read its clock somewhere within the round trip; its middle is the best guess.
            let skew = server.timeIntervalSince(before.addingTimeInterval(after.timeIntervalSince(before) / 2))
            let status = Self.clockStatus(skew: skew)
            let said = String(format: "%.3f s", abs(skew)) + (skew >= 0 ? " behind PostgreSQL" : " ahead of PostgreSQL")
            return DoctorResult("clock", status, status == .ok
                ? "this machine is \(said)"
                : "this machine is \(said): leases and schedules compare this clock with PostgreSQL's; fix NTP")
        } catch {
            return DoctorResult("clock", .failed, "could not read PostgreSQL's clock: \(error)")
        }
    }

    /// Over a second apart is worth a look; over 30 s, leases expire early or late and slots fire off time.
    static func clockStatus(skew: TimeInterval) -> DoctorResult.Status {
        abs(skew) > 30 ? .failed : abs(skew) > 1 ? .warning : .ok
    }

    /// The URL as a person may see it: scheme, user, host, port and database; no password, no query (which may carry
    /// `password=` too).
    static func withoutCredentials(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "HERALD_DATABASE_URL" }
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "HERALD_DATABASE_URL"
    }
}
