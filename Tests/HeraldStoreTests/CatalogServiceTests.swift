import Crypto
import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Reports, data sources and destinations: who may do what, validation of every field at once, secrets that never
/// leave the service, and folders that stay under the delivery root.
struct CatalogServiceTests {
    struct Fixture {
        let connection: PostgresConnection
        let key = SecretBox.generateKey()
        let root: String
        let admin: Actor, alice: Actor, bob: Actor, viewer: Actor

        init() throws {
            connection = try PostgresConnection(url: try TestDatabase.create())
            try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            root = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-root-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let accounts = AccountService(connection: connection)
            func actor(_ email: String, _ role: UserRole) throws -> Actor {
                let user = try accounts.addUser(email: email, role: role, password: "correct horse battery staple", actor: "test").user
                return .user(Principal(userID: user.id, email: email, displayName: "", role: role, timeZone: "UTC"))
            }
            admin = try actor("admin@example.org", .admin)
            alice = try actor("alice@example.org", .creator)
            bob = try actor("bob@example.org", .creator)
            viewer = try actor("vera@example.org", .viewer)
        }

        var sources: DataSourceService { get throws { try DataSourceService(connection: connection, secretKey: key) } }
        var reports: ReportService { ReportService(connection: connection) }
        var destinations: DestinationService { DestinationService(connection: connection, deliveryRoot: root) }
        func auditText() throws -> String {
            try connection.query("SELECT coalesce(string_agg(details::text, ' '), '') AS t FROM audit_log")[0].decode("t")
        }
    }

    /// READ ONLY is not a boundary against reading: a data source that reaches Herald's own tables (here Herald's
    /// test database itself, as its superuser) is refused when saved and when tested, beside the URL field; a
    /// reporting database, even with a `users` table of its own, is not.
    @Test func aDataSourceThatCanReadHeraldsOwnTablesIsRefused() throws {
        let f = try Fixture()
        let herald = try f.connection.query("SELECT current_database() AS d")[0].decode("d", as: String.self)
        var components = URLComponents(string: try TestEnvironment.databaseURL())!
        components.path = "/" + herald
        let refused = #expect(throws: ValidationErrors.self) {
            try f.sources.create(DataSourceInput(name: "Herald itself", url: components.string!), actor: f.admin)
        }
        #expect(refused?.errors.map(\.field) == ["url"])
        #expect(refused?.errors.first?.message.contains("can read Herald's own tables") == true)
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM data_sources")[0].decode("n", as: Int.self) == 0)

        let reporting = try TestDatabase.create()
        try PostgresConnection(url: reporting).execute("CREATE TABLE users (id int, email text)")
        let source = try f.sources.create(DataSourceInput(name: "Reporting", url: reporting), actor: f.admin)
        #expect(try f.sources.test(source.id, actor: f.admin).ok)
        let moved = #expect(throws: ValidationErrors.self) {
            try f.sources.update(source.id, DataSourceInput(url: components.string!), actor: f.admin)
        }
        #expect(moved?.errors.map(\.field) == ["url"])

        // A row stored before this rule (written past the service) fails its test with the reason.
        try f.connection.execute("""
            UPDATE data_sources SET url_encrypted = \(try SecretBox(key: f.key).seal(Array(components.string!.utf8))) WHERE id = \(source.id)
            """)
        let tested = try f.sources.test(source.id, actor: f.admin)
        #expect(!tested.ok)
        #expect(tested.message.contains("can read Herald's own tables"))
    }

    @Test func onlyAdminsChangeDataSourcesAndTheURLNeverComesBack() throws {
        let f = try Fixture()
        let canary = "pw-\(UUID().uuidString.prefix(8))"
        let url = "postgresql://reader:\(canary)@127.0.0.1:1/shop"
        #expect(throws: Forbidden.self) { try f.sources.create(DataSourceInput(name: "Shop", url: url), actor: f.alice) }
        let source = try f.sources.create(DataSourceInput(name: "Shop", url: url, statementTimeoutMs: 5000), actor: f.admin)
        #expect(source.statementTimeoutMs == 5000 && source.maxConcurrency == 4)
        #expect(throws: Forbidden.self) { try f.sources.update(source.id, DataSourceInput(name: "Mine"), actor: f.alice) }
        #expect(throws: Forbidden.self) { try f.sources.delete(source.id, actor: f.alice) }
        #expect(throws: Forbidden.self) { try f.sources.test(source.id, actor: f.alice) }
        #expect(throws: Forbidden.self) { try f.sources.list(actor: f.viewer) }
        // Creators see ids and names, nothing else.
        let listed = try f.sources.list(actor: f.alice).items
        #expect(listed == [DataSource(id: source.id, name: "Shop", statementTimeoutMs: nil, maxConcurrency: nil)])
        // A blank URL on a change keeps the stored one.
        _ = try f.sources.update(source.id, DataSourceInput(name: "Shop 2", url: ""), actor: f.admin)
        #expect(try DataSourceRepository(connection: f.connection, secretKey: f.key).connectionURL(id: source.id) == url)
        let failed = try f.sources.test(source.id, actor: f.admin)
        #expect(!failed.ok)
        #expect(failed.message.contains("127.0.0.1") || failed.message.contains("connect"), "\(failed.message)")
        #expect(!failed.message.contains(canary), "\(failed.message)")
        #expect(!(try f.auditText()).contains(canary))
        #expect(try f.auditText().contains("url"))
    }

    @Test func theTestButtonSucceedsOnAReachableDatabase() throws {
        let f = try Fixture()
        let source = try f.sources.create(DataSourceInput(name: "Self", url: try TestEnvironment.databaseURL()), actor: .commandLine)
        let result = try f.sources.test(source.id, actor: f.admin)
        #expect(result.ok, "\(result.message)")
    }

    @Test func dataSourceFieldsAreAllCheckedAtOnceAndAUsedOneIsNotDeleted() throws {
        let f = try Fixture()
        let bad = #expect(throws: ValidationErrors.self) {
            try f.sources.create(DataSourceInput(name: " ", url: "mysql://x", statementTimeoutMs: 0, maxConcurrency: 0), actor: f.admin)
        }
        #expect(Set(bad?.errors.map(\.field) ?? []) == ["name", "url", "statement_timeout_ms", "max_concurrency"])
        let source = try f.sources.create(DataSourceInput(name: "Shop", url: "postgresql://x@y/z"), actor: f.admin)
        #expect(throws: ValidationErrors.self) { try f.sources.create(DataSourceInput(name: "Shop", url: "postgresql://x@y/z"), actor: f.admin) }
        _ = try f.reports.create(ReportInput(name: "R", dataSourceID: source.id, sql: "SELECT 1"), actor: f.alice)
        #expect(throws: Conflict.self) { try f.sources.delete(source.id, actor: f.admin) }
    }

    @Test func creatorsManageOnlyTheirOwnReportsAndViewersNone() throws {
        let f = try Fixture()
        let source = try f.sources.create(DataSourceInput(name: "Shop", url: "postgresql://x@y/z"), actor: f.admin)
        let mine = try f.reports.create(ReportInput(name: "Mine", dataSourceID: source.id, sql: "SELECT 1", descriptionMd: "*hi*"), actor: f.alice)
        #expect(mine.ownerID == f.alice.userID)
        #expect(throws: NotFound("report")) { try f.reports.get(mine.id, actor: f.bob) }
        #expect(throws: NotFound("report")) { try f.reports.update(mine.id, ReportInput(name: "Taken"), actor: f.bob) }
        #expect(throws: NotFound("report")) { try f.reports.delete(mine.id, actor: f.bob) }
        #expect(throws: Forbidden.self) { try f.reports.list(actor: f.viewer) }
        #expect(throws: Forbidden.self) { try f.reports.create(ReportInput(name: "V", dataSourceID: source.id, sql: "SELECT 1"), actor: f.viewer) }
        #expect(try f.reports.list(actor: f.bob).items.isEmpty)
        #expect(try f.reports.list(actor: f.admin).items.map(\.id) == [mine.id])
        let renamed = try f.reports.update(mine.id, ReportInput(name: "Renamed"), actor: f.alice)
        #expect(renamed.name == "Renamed" && renamed.sql == "SELECT 1" && renamed.descriptionMd == "*hi*")
        let bad = #expect(throws: ValidationErrors.self) {
            try f.reports.create(ReportInput(name: "", dataSourceID: UUID(), sql: "  ", maxDurationSeconds: 0), actor: f.alice)
        }
        #expect(Set(bad?.errors.map(\.field) ?? []) == ["name", "data_source_id", "sql", "max_duration_seconds"])
        let actions = try f.connection.query("SELECT action FROM audit_log WHERE subject_type = 'report' ORDER BY id").map { try $0.decode("action", as: String.self) }
        #expect(actions == ["report.create", "report.update"])
    }

    @Test func aReportWithSchedulesIsNotDeletedAndKeysetPagesCoverTheList() throws {
        let f = try Fixture()
        let source = try f.sources.create(DataSourceInput(name: "Shop", url: "postgresql://x@y/z"), actor: f.admin)
        let reports = try (0..<5).map { try f.reports.create(ReportInput(name: "R\($0)", dataSourceID: source.id, sql: "SELECT 1"), actor: f.alice) }
        var seen: [UUID] = []
        var after: [String]?
        repeat {
            let page = try f.reports.list(actor: f.alice, after: after, limit: 2)
            seen += page.items.map(\.id)
            after = page.nextAfter
        } while after != nil
        #expect(seen == reports.map(\.id))
        try f.connection.execute("""
            INSERT INTO schedules (report_id, recurrence, time_zone) VALUES (\(reports[0].id), '{}'::jsonb, 'UTC')
            """)
        #expect(throws: Conflict.self) { try f.reports.delete(reports[0].id, actor: f.alice) }
        try f.reports.delete(reports[1].id, actor: f.alice)
        #expect(try f.reports.list(actor: f.alice).items.count == 4)
    }

    @Test func destinationsStayUnderTheRootAndBelongToTheirOwner() throws {
        let f = try Fixture()
        for path in ["/etc", "../up", "a/../../b", "./a", "~/x", "a\\b", ""] {
            let refused = #expect(throws: ValidationErrors.self, "\(path)") {
                try f.destinations.create(DestinationInput(name: "x", kind: "folder", path: path), actor: f.alice)
            }
            #expect(refused?.errors.map(\.field) == ["path"])
        }
        // A component that is a symbolic link is refused when it already exists.
        try FileManager.default.createSymbolicLink(atPath: f.root + "/link", withDestinationPath: "/etc")
        #expect(throws: ValidationErrors.self) { try f.destinations.create(DestinationInput(name: "x", path: "link/sub"), actor: f.alice) }
        #expect(throws: ValidationErrors.self) { try f.destinations.create(DestinationInput(name: "x", kind: "email", path: "a"), actor: f.alice) }

        let mine = try f.destinations.create(DestinationInput(name: "Mine", path: "team//alice/"), actor: f.alice)
        #expect(mine.path == "team/alice" && mine.ownerID == f.alice.userID && !mine.secretSet)
        #expect(throws: NotFound("destination")) { try f.destinations.get(mine.id, actor: f.bob) }
        #expect(throws: NotFound("destination")) { try f.destinations.update(mine.id, DestinationInput(name: "B"), actor: f.bob) }
        #expect(throws: Forbidden.self) { try f.destinations.list(actor: f.viewer) }
        let shared = try f.destinations.create(DestinationInput(name: "Shared", path: "shared"), actor: .commandLine)
        #expect(shared.ownerID == nil)
        #expect(try f.destinations.list(actor: f.bob).items.map(\.id) == [shared.id])
        #expect(throws: Forbidden.self) { try f.destinations.update(shared.id, DestinationInput(name: "B"), actor: f.bob) }
        #expect(try f.destinations.update(shared.id, DestinationInput(path: "shared/2"), actor: f.admin).path == "shared/2")
        let source = try f.sources.create(DataSourceInput(name: "Shop", url: "postgresql://x@y/z"), actor: f.admin)
        let report = try f.reports.create(ReportInput(name: "R", dataSourceID: source.id, sql: "SELECT 1"), actor: f.alice)
        try f.connection.execute("""
            INSERT INTO schedules (report_id, recurrence, time_zone, destination_ids)
            VALUES (\(report.id), '{}'::jsonb, 'UTC', ARRAY[\(mine.id)]::uuid[])
            """)
        #expect(try f.destinations.scheduleCount(mine.id) == 1)
        #expect(throws: Conflict.self) { try f.destinations.delete(mine.id, actor: f.alice) }
        try f.destinations.delete(shared.id, actor: f.admin)
        #expect(try f.destinations.list(actor: f.admin).items.map(\.id) == [mine.id])
    }
}
