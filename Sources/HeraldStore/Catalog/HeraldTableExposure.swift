import Postgres

/// A report runs in a `READ ONLY` transaction, which stops writes but not reads: a data source that connects to
/// Herald's own database (or to any with Herald's tables readable) would let a report author select password
/// hashes, sessions and API tokens. Such a data source is refused when it is saved and when it is tested.
/// Herald's tables are recognised by all four of their names being readable in the session's search path, so a
/// reporting database with a table of its own called `users` is not mistaken for Herald's.
enum HeraldTableExposure {
    static let tables = ["api_tokens", "destinations", "sessions", "users"]

    static let message = "can read Herald's own tables (users, sessions, api_tokens, destinations): connect with a role "
        + "that may only SELECT the reporting tables, on the reporting database, never Herald's"

    /// Whether a session on `target` can read every one of Herald's tables.
    static func readsHeraldTables(_ target: PostgresConnection) throws -> Bool {
        let readable: Int = try target.query("""
            SELECT count(DISTINCT c.relname)::int AS n FROM pg_class c
            WHERE c.relkind IN ('r', 'p') AND c.relname = ANY(\(tables)::text[]) AND pg_table_is_visible(c.oid)
              AND has_table_privilege(c.oid, 'SELECT')
            """)[0].decode("n")
        return readable == tables.count
    }
}
