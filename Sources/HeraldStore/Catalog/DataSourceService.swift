import Crypto
import Foundation
import HeraldCore
import Postgres

/// Data sources, for the CLI, pages and API alike. Admins create, change, delete and test them; creators may list
/// names and ids (to pick one for a report); viewers nothing. The URL may hold a password: it is accepted, stored
/// sealed (`SecretBox`) and never returned, logged or audited: only that it changed.
public struct DataSourceService {
    let connection: PostgresConnection
    let keyring: SecretKeyring

    public init(connection: PostgresConnection, keyring: SecretKeyring) {
        self.connection = connection
        self.keyring = keyring
    }

    public init(connection: PostgresConnection, secretKey: [UInt8]) throws {
        self.init(connection: connection, keyring: try SecretKeyring(current: secretKey))
    }

    public static let defaultStatementTimeoutMs = 60_000
    public static let defaultMaxConcurrency = 4
    static let statementTimeoutRange = 100...86_400_000
    static let concurrencyRange = 1...64

    public func list(actor: Actor, after: [String]? = nil, limit: Int = 50) throws -> CatalogPage<DataSource> {
        guard actor.has(.creator) else { throw Forbidden("Only creators and admins may see data sources.") }
        let key = try Keyset.after(after, key: .text)
        let rows = try connection.query("""
            SELECT id, name, statement_timeout_ms, max_concurrency FROM data_sources
            WHERE \(key == nil) OR (name, id) > (\(key?.key ?? ""), \(key?.id ?? UUID())::uuid)
            ORDER BY name, id LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map { try record($0, admin: actor.isAdmin) }
        return CatalogPage(items: items, nextAfter: rows.count > limit ? items.last.map { Keyset.parts($0.name, $0.id) } : nil)
    }

    public func get(_ id: UUID, actor: Actor) throws -> DataSource {
        guard actor.has(.creator) else { throw Forbidden("Only creators and admins may see data sources.") }
        guard let row = try connection.query("SELECT id, name, statement_timeout_ms, max_concurrency FROM data_sources WHERE id = \(id)").first
        else { throw NotFound("data source") }
        return try record(row, admin: actor.isAdmin)
    }

    public func create(_ input: DataSourceInput, actor: Actor) throws -> DataSource {
        try checkAdmin(actor)
        var errors: [ValidationError] = []
        let name = validatedName(input.name, into: &errors)
        let url = validatedURL(input.url, required: true, into: &errors)
        let timeout = validatedTimeout(input.statementTimeoutMs ?? Self.defaultStatementTimeoutMs, into: &errors)
        let concurrency = validatedConcurrency(input.maxConcurrency ?? Self.defaultMaxConcurrency, into: &errors)
        if let url, Self.exposesHerald(url) { errors.append(ValidationError(field: "url", message: HeraldTableExposure.message)) }
        guard errors.isEmpty, let name, let url, let timeout, let concurrency else { throw ValidationErrors(errors) }
        return try atomically(connection) {
            let id: UUID
            do {
                id = try connection.query("""
                    INSERT INTO data_sources (name, url_encrypted, url_key_id, statement_timeout_ms, max_concurrency, created_by)
                    VALUES (\(name), \(keyring.seal(Array(url.utf8))), \(keyring.currentID), \(timeout), \(concurrency), \(actor.userID))
                    RETURNING id
                    """)[0].decode("id")
            } catch let error as PostgresError where error.isUniqueViolation {
                throw ValidationErrors([ValidationError(field: "name", message: "is taken: another data source has this name")])
            }
            let created = try get(id, actor: actor)
            try audit(actor, "datasource.create", id, ["after": describe(created), "url": "set (not recorded)"])
            return created
        }
    }

    /// Changes what `input` names; a nil or blank URL keeps the stored one.
    /// `replacing` (an API PUT): a missing name is missing and missing limits take their defaults; the URL is kept.
    public func update(_ id: UUID, _ input: DataSourceInput, actor: Actor, replacing: Bool = false) throws -> DataSource {
        try checkAdmin(actor)
        let stored = try get(id, actor: actor)
        let before = replacing ? DataSource(id: id, name: stored.name, statementTimeoutMs: nil, maxConcurrency: nil) : stored
        var errors: [ValidationError] = []
        let name = input.name == nil && !replacing ? before.name : validatedName(input.name, into: &errors)
        let newURL = (input.url ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : validatedURL(input.url, required: true, into: &errors)
        let timeout = validatedTimeout(input.statementTimeoutMs ?? before.statementTimeoutMs ?? Self.defaultStatementTimeoutMs, into: &errors)
        let concurrency = validatedConcurrency(input.maxConcurrency ?? before.maxConcurrency ?? Self.defaultMaxConcurrency, into: &errors)
        if let newURL, Self.exposesHerald(newURL) { errors.append(ValidationError(field: "url", message: HeraldTableExposure.message)) }
        guard errors.isEmpty, let name, let timeout, let concurrency else { throw ValidationErrors(errors) }
        return try atomically(connection) {
            do {
                try connection.execute("""
                    UPDATE data_sources SET name = \(name), statement_timeout_ms = \(timeout), max_concurrency = \(concurrency),
                        url_encrypted = coalesce(\(newURL.map { keyring.seal(Array($0.utf8)) })::bytea, url_encrypted),
                        url_key_id = CASE WHEN \(newURL != nil) THEN \(keyring.currentID) ELSE url_key_id END, updated_at = now()
                    WHERE id = \(id)
                    """)
            } catch let error as PostgresError where error.isUniqueViolation {
                throw ValidationErrors([ValidationError(field: "name", message: "is taken: another data source has this name")])
            }
            let after = try get(id, actor: actor)
            var details = ["before": describe(stored), "after": describe(after)]
            if newURL != nil { details["url"] = "changed (not recorded)" }
            try audit(actor, "datasource.update", id, details)
            return after
        }
    }

    /// Refused (409) while reports query it: deleting it would orphan them.
    public func delete(_ id: UUID, actor: Actor) throws {
        try checkAdmin(actor)
        let before = try get(id, actor: actor)
        let reports: Int = try connection.query("SELECT count(*)::int AS n FROM reports WHERE data_source_id = \(id)")[0].decode("n")
        guard reports == 0 else {
            throw Conflict("\(before.name) is used by \(reports) report\(reports == 1 ? "" : "s"); delete or move them first.")
        }
        try atomically(connection) {
            try connection.execute("DELETE FROM data_sources WHERE id = \(id)")
            try audit(actor, "datasource.delete", id, ["before": describe(before)])
        }
    }

    /// Connects with the stored URL (a short connect timeout) and runs `SELECT 1` in a READ ONLY transaction with a
    /// short statement timeout. The failure is reported as libpq and the server word it, with the URL and its
    /// password cut out.
    public func test(_ id: UUID, actor: Actor, timeoutSeconds: Int = 5) throws -> DataSourceTestResult {
        try checkAdmin(actor)
        _ = try get(id, actor: actor)
        guard let url = try storedURL(id) else { throw NotFound("data source") }
        let started = Date()
        func elapsed() -> Int { Int(Date().timeIntervalSince(started) * 1000) }
        let result: DataSourceTestResult
        do {
            let separator = url.contains("?") ? "&" : "?"
            let target = try PostgresConnection(url: url + separator + "connect_timeout=\(timeoutSeconds)")
            try target.executeScript(unsafeSQL: "BEGIN READ ONLY; SET LOCAL statement_timeout = \(timeoutSeconds * 1000); SELECT 1; COMMIT")
            if try HeraldTableExposure.readsHeraldTables(target) {
                result = DataSourceTestResult(ok: false, message: "Refused: this connection " + HeraldTableExposure.message + ".", elapsedMs: elapsed())
            } else {
                result = DataSourceTestResult(ok: true, message: "Connected and ran SELECT 1 read-only.", elapsedMs: elapsed())
            }
        } catch {
            result = DataSourceTestResult(ok: false, message: Self.redacting(url, from: "\(error)"), elapsedMs: elapsed())
        }
        try audit(actor, "datasource.test", id, ["ok": result.ok ? "true" : "false"])
        return result
    }

    /// Whether a URL being saved reaches Herald's own tables. A server that cannot be reached now cannot be checked:
    /// it is saved, and "Test connection" (and the next save) checks again.
    static func exposesHerald(_ url: String) -> Bool {
        let separator = url.contains("?") ? "&" : "?"
        guard let target = try? PostgresConnection(url: url + separator + "connect_timeout=3") else { return false }
        return (try? HeraldTableExposure.readsHeraldTables(target)) == true
    }

    /// `message` without the URL, its password or its user info, however libpq quoted them.
    static func redacting(_ url: String, from message: String) -> String {
        var secrets = [url]
        if let components = URLComponents(string: url) {
            if let password = components.password, !password.isEmpty {
                secrets += [password, password.removingPercentEncoding ?? password]
            }
            if let encoded = components.percentEncodedPassword, !encoded.isEmpty { secrets.append(encoded) }
        }
        return secrets.filter { $0.count >= 3 }.sorted { $0.count > $1.count }
            .reduce(message) { $0.replacingOccurrences(of: $1, with: "…") }
    }

    private func storedURL(_ id: UUID) throws -> String? {
        try DataSourceRepository(connection: connection, keyring: keyring).connectionURL(id: id)
    }

    private func checkAdmin(_ actor: Actor) throws {
        guard actor.isAdmin else { throw Forbidden("Only an admin may change or test data sources.") }
    }

    private func record(_ row: PostgresRow, admin: Bool) throws -> DataSource {
        DataSource(id: try row.decode("id"), name: try row.decode("name"),
                   statementTimeoutMs: admin ? try row.decode("statement_timeout_ms") : nil,
                   maxConcurrency: admin ? try row.decode("max_concurrency") : nil)
    }

    private func describe(_ source: DataSource) -> String {
        "name=\(source.name) statement_timeout_ms=\(source.statementTimeoutMs ?? 0) max_concurrency=\(source.maxConcurrency ?? 0)"
    }

    private func audit(_ actor: Actor, _ action: String, _ id: UUID, _ details: [String: String]) throws {
        try AuditLog(connection: connection).record(actorID: actor.userID, actorLabel: actor.label, action: action,
                                                    subjectType: "data_source", subjectID: id.uuidString.lowercased(), details: details)
    }

    private func validatedURL(_ raw: String?, required: Bool, into errors: inout [ValidationError]) -> String? {
        let url = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if url.isEmpty { errors.append(ValidationError(field: "url", message: "enter a postgresql:// URL")); return nil }
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://"), url.count <= 2000,
              !url.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            errors.append(ValidationError(field: "url", message: "must be a postgresql:// URL")); return nil
        }
        return url
    }

    private func validatedTimeout(_ value: Int, into errors: inout [ValidationError]) -> Int? {
        guard Self.statementTimeoutRange.contains(value) else {
            errors.append(ValidationError(field: "statement_timeout_ms", message: "must be from 100 to 86400000 milliseconds (a day)"))
            return nil
        }
        return value
    }

    private func validatedConcurrency(_ value: Int, into errors: inout [ValidationError]) -> Int? {
        guard Self.concurrencyRange.contains(value) else {
            errors.append(ValidationError(field: "max_concurrency", message: "must be from 1 to 64"))
            return nil
        }
        return value
    }
}
