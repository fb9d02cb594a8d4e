import Crypto
import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// The report editor's "run preview": the report's query run read-only on its data source with the defaults,
/// at most 20 rows, a database's refusal in its own words, and only for who may see the report.
struct ReportPreviewServiceTests {
    struct Fixture {
        let connection: PostgresConnection
        let reporting: PostgresConnection
        let source: UUID
        let key = SecretBox.generateKey()

        init() throws {
            connection = try PostgresConnection(url: try TestDatabase.create())
            try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            // A database of its own for the data source: one that can read Herald's tables is refused by the service.
            let reportingURL = try TestDatabase.create()
            reporting = try PostgresConnection(url: reportingURL)
            try reporting.executeScript(unsafeSQL: """
                CREATE TABLE t (id int, region text, note text);
                INSERT INTO t SELECT n, CASE WHEN n % 2 = 0 THEN 'EU' ELSE 'US' END, 'row ' || n FROM generate_series(1, 50) n;
                """)
            source = try DataSourceRepository(connection: connection, secretKey: key).create(name: "reporting", url: reportingURL)
        }

        var previews: ReportPreviewService { ReportPreviewService(connection: connection, secretKey: key) }

        func user(_ email: String, _ role: UserRole) throws -> Actor {
            let user = try AccountService(connection: connection).addUser(email: email, role: role, password: "correct horse battery staple", actor: "test").user
            return .user(Principal(userID: user.id, email: email, displayName: "", role: role, timeZone: "Europe/Berlin"))
        }

        func report(_ sql: String, _ parameters: [ReportParameter] = [], actor: Actor = .commandLine) throws -> Report {
            try ReportService(connection: connection).create(ReportInput(name: "Sales", dataSourceID: source, sql: sql, parameters: parameters), actor: actor)
        }
    }

    @Test func aSavedReportRunsWithItsParametersDefaultsBound() throws {
        let f = try Fixture()
        let report = try f.report("SELECT id, region FROM t WHERE region = :region AND id <= :top ORDER BY id", [
            ReportParameter(name: "region", type: .choice, choices: ["EU", "US"], default: .string("EU")),
            ReportParameter(name: "top", type: .integer, default: .integer(6)),
        ])
        let preview = try f.previews.preview(report.id, actor: .commandLine)
        #expect(preview.columns.map(\.name) == ["id", "region"])
        #expect(preview.rows == [["2", "EU"], ["4", "EU"], ["6", "EU"]])
        #expect(!preview.truncated)
    }

    @Test func relativeDateDefaultsResolveAgainstTodayInTheActorsZone() throws {
        let f = try Fixture()
        let alice = try f.user("alice@example.org", .creator)
        let preview = try f.previews.preview(dataSourceID: f.source, sql: "SELECT :day::date = (now() AT TIME ZONE 'Europe/Berlin')::date AS today",
                                             parameters: [ReportParameter(name: "day", type: .date, default: .string("today"))], actor: alice)
        #expect(preview.rows == [["t"]])
    }

    @Test func atMostTwentyRowsAreShownAndALongerResultIsMarkedTruncated() throws {
        let f = try Fixture()
        let long = try f.previews.preview(dataSourceID: f.source, sql: "SELECT id FROM t ORDER BY id", parameters: [], actor: .commandLine)
        #expect(long.rows.count == ReportPreviewService.rowLimit)
        #expect(long.rows.first == ["1"] && long.rows.last == ["20"])
        #expect(long.truncated)
        let exact = try f.previews.preview(dataSourceID: f.source, sql: "SELECT id FROM t ORDER BY id LIMIT 20", parameters: [], actor: .commandLine)
        #expect(exact.rows.count == 20)
        #expect(!exact.truncated)
    }

    @Test func aSQLErrorComesBackAsTheServersMessageUnderPreview() throws {
        let f = try Fixture()
        let refused = #expect(throws: ValidationErrors.self) {
            try f.previews.preview(dataSourceID: f.source, sql: "SELECT nope FROM t", parameters: [], actor: .commandLine)
        }
        #expect(refused?.errors.map(\.field) == ["preview"])
        #expect(refused?.errors.first?.message.contains(#"column "nope" does not exist"#) == true, "\(String(describing: refused))")
    }

    @Test func aWriteFailsBecauseThePreviewIsReadOnly() throws {
        let f = try Fixture()
        let refused = #expect(throws: ValidationErrors.self) {
            try f.previews.preview(dataSourceID: f.source, sql: "DELETE FROM t", parameters: [], actor: .commandLine)
        }
        #expect(refused?.errors.first?.message.contains("DELETE is not allowed") == true, "\(String(describing: refused))")
        #expect(try f.reporting.query("SELECT count(*)::int AS n FROM t")[0].decode("n", as: Int.self) == 50)
    }

    @Test func aConnectionFailureNamesNeitherTheURLNorItsPassword() throws {
        let f = try Fixture()
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let unreachable = try DataSourceRepository(connection: f.connection, secretKey: f.key)
            .create(name: "gone", url: "postgresql://reader:\(password)@127.0.0.1:1/shop")
        let refused = #expect(throws: ValidationErrors.self) {
            try f.previews.preview(dataSourceID: unreachable, sql: "SELECT 1", parameters: [], actor: .commandLine)
        }
        let message = try #require(refused?.errors.first?.message)
        #expect(refused?.errors.map(\.field) == ["preview"])
        #expect(!message.isEmpty)
        #expect(!message.contains(password))
        #expect(!message.contains("postgresql://"))
    }

    @Test func unsavedFieldsAreCheckedBeforeAnythingRuns() throws {
        let f = try Fixture()
        let refused = #expect(throws: ValidationErrors.self) {
            try f.previews.preview(dataSourceID: nil, sql: "SELECT :undeclared", parameters: [ReportParameter(name: "Bad", type: .text)], actor: .commandLine)
        }
        #expect(Set(refused?.errors.map(\.field) ?? []) == ["data_source_id", "parameters[0].name"])
        let required = #expect(throws: ValidationErrors.self) {
            try f.previews.preview(dataSourceID: f.source, sql: "SELECT :region", parameters: [ReportParameter(name: "region", type: .text, required: true)],
                                   actor: .commandLine)
        }
        #expect(required?.errors.map(\.field) == ["parameters.region"])
    }

    @Test func viewersAreRefusedAndAnotherCreatorsReportIsNotFound() throws {
        let f = try Fixture()
        let alice = try f.user("alice@example.org", .creator)
        let bob = try f.user("bob@example.org", .creator)
        let vera = try f.user("vera@example.org", .viewer)
        let report = try f.report("SELECT 1 AS one", actor: alice)
        #expect(try f.previews.preview(report.id, actor: alice).rows == [["1"]])
        #expect(throws: NotFound.self) { try f.previews.preview(report.id, actor: bob) }
        #expect(throws: Forbidden.self) { try f.previews.preview(report.id, actor: vera) }
        #expect(throws: Forbidden.self) { try f.previews.preview(dataSourceID: f.source, sql: "SELECT 1", parameters: [], actor: vera) }
    }
}
