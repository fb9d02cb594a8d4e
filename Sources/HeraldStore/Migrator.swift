import Postgres

/// Applies pending migrations. Safe to run twice or from several processes at once: a session advisory lock admits
/// one migrator at a time, each migration runs in its own transaction together with its `schema_migrations` row.
public struct Migrator {
    /// "HERALD" in ASCII: the advisory lock key every Herald migrator takes.
    static let lockKey: Int64 = 0x4845_5241_4C44

    let connection: PostgresConnection
    let migrations: [Migration]

    public init(connection: PostgresConnection, migrations: [Migration]) {
        self.connection = connection
        self.migrations = migrations
    }

    /// Returns the migrations this call applied (empty when the schema was already current).
    @discardableResult
    public func migrate() throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }

        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = Set(try appliedVersions())
        var done: [Migration] = []
        for migration in migrations where !applied.contains(migration.version) {
            try connection.transaction {
                try connection.executeScript(unsafeSQL: migration.sql)
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
            }
            done.append(migration)
        }
        return done
    }

    /// What the database has against what this build ships, without changing anything (no lock, no table created).
    public func status() throws -> MigrationStatus {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
        let applied = exists ? Set(try appliedVersions()) : []
        let known = Set(migrations.map(\.version))
        return MigrationStatus(applied: applied.count, pending: migrations.filter { !applied.contains($0.version) },
                               unknown: applied.subtracting(known).sorted())
    }

    public func appliedVersions() throws -> [Int] {
        try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode("version", as: Int.self) }
    }
}

/// Applied against shipped migrations. `unknown`: versions a newer build applied, which this binary cannot know.
public struct MigrationStatus: Sendable, Equatable {
    public let applied: Int
    public let pending: [Migration]
    public let unknown: [Int]
}
