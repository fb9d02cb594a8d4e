import Crypto
import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Reports declare typed parameters and keep a version per change of SQL or parameters; schedules give values
/// checked as a run resolves them, and a report edit that would break a schedule's values is refused naming it.
struct ReportParameterServiceTests {
    struct Fixture {
        let connection: PostgresConnection
        let source: UUID
        let root: String

        init() throws {
            connection = try PostgresConnection(url: try TestDatabase.create())
            try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            source = try DataSourceRepository(connection: connection, secretKey: SecretBox.generateKey()).create(name: "src", url: "postgresql:///none")
            root = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-root-\(UUID().uuidString.prefix(8))"
        }

        var reports: ReportService { ReportService(connection: connection) }
        var schedules: ScheduleService { ScheduleService(connection: connection, limits: ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10)) }

        func report(_ parameters: [ReportParameter], sql: String = "SELECT * FROM sales WHERE region = :region") throws -> Report {
            try reports.create(ReportInput(name: "Sales", dataSourceID: source, sql: sql, parameters: parameters), actor: .commandLine)
        }

        func schedule(_ report: UUID, _ values: [String: ParameterInput], name: String = "Weekly EU") throws -> ScheduleRecord {
            try schedules.create(ScheduleDraft(name: name, reportID: report, recurrence: Recurrence(kind: .custom, timeZone: "UTC", cron: "0 7 * * 1"),
                                               parameters: values),
                                 intoNewFolder: "out-\(UUID().uuidString.prefix(6))", deliveryRoot: root, actor: .commandLine)
        }
    }

    static let region = ReportParameter(name: "region", type: .choice, choices: ["EU", "US"], label: "Region", default: .string("EU"))

    @Test func parametersAreStoredReadBackAndCheckedAgainstTheSQL() throws {
        let f = try Fixture()
        let made = try f.report([Self.region, ReportParameter(name: "codes", type: .list, itemType: .integer)],
                                sql: "SELECT * FROM sales WHERE region = :region AND code = ANY(:codes)")
        #expect(try f.reports.get(made.id, actor: .commandLine).parameters == made.parameters)
        #expect(made.parameters.map(\.name) == ["region", "codes"])
        #expect(made.version == 1)

        let undeclared = #expect(throws: ValidationErrors.self) { try f.report([], sql: "SELECT :region") }
        #expect(undeclared?.errors.map(\.field) == ["sql"])
        let copy = #expect(throws: ValidationErrors.self) { try f.report([], sql: "COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'") }
        #expect(copy?.errors.map(\.field) == ["sql"])
        #expect(copy?.errors.first?.message.contains("COPY is not allowed") == true)
        let badDeclaration = #expect(throws: ValidationErrors.self) {
            try f.report([ReportParameter(name: "Region", type: .choice)], sql: "SELECT 1")
        }
        #expect(Set(badDeclaration?.errors.map(\.field) ?? []) == ["parameters[0].name", "parameters[0].choices"])
        // The API's snake_case decoder turns item_type into itemType: both spellings read.
        for key in ["item_type", "itemType"] {
            let decoded = try JSONDecoder().decode(ReportParameter.self, from: Data(#"{"name":"c","type":"list","\#(key)":"integer"}"#.utf8))
            #expect(decoded.itemType == .integer)
        }
    }

    @Test func aChangeOfSQLOrParametersIsANewVersionAndANameChangeIsNot() throws {
        let f = try Fixture()
        let made = try f.report([Self.region])
        #expect(try f.reports.update(made.id, ReportInput(name: "Sales (EU)"), actor: .commandLine).version == 1)
        let changed = try f.reports.update(made.id, ReportInput(sql: "SELECT * FROM sales WHERE region = :region LIMIT 10"), actor: .commandLine)
        #expect(changed.version == 2)
        let versions = try f.reports.versions(made.id, actor: .commandLine)
        #expect(versions.map(\.version) == [2, 1])
        #expect(versions.last?.sql == "SELECT * FROM sales WHERE region = :region")
        #expect(versions.first?.parameters == [Self.region])
    }

    @Test func scheduleValuesAreCheckedAsARunWouldResolveThem() throws {
        let f = try Fixture()
        let report = try f.report([Self.region, ReportParameter(name: "from", type: .date, default: .string("start_of_month"))],
                                  sql: "SELECT * FROM sales WHERE region = :region AND sold_at >= :from")
        let refused = #expect(throws: ValidationErrors.self) {
            try f.schedule(report.id, ["region": .string("Mars"), "from": .string("next_tuesday"), "colour": .string("red")])
        }
        #expect(Set(refused?.errors.map(\.field) ?? []) == ["parameters.region", "parameters.from", "parameters.colour"])
        let made = try f.schedule(report.id, ["region": .string("US"), "from": .string("today-7d")])
        #expect(try f.schedules.get(made.id, actor: .commandLine).parameters == ["region": .string("US"), "from": .string("today-7d")])
    }

    @Test func aReportEditThatWouldBreakASchedulesValuesIsRefusedNamingIt() throws {
        let f = try Fixture()
        let report = try f.report([Self.region])
        _ = try f.schedule(report.id, ["region": .string("US")], name: "Weekly US")
        // Removing the parameter the schedule sets, or narrowing its choices, would fail that schedule's runs.
        for parameters in [[], [ReportParameter(name: "region", type: .choice, choices: ["EU"], default: .string("EU"))]] {
            let refused = #expect(throws: ValidationErrors.self) {
                try f.reports.update(report.id, ReportInput(sql: "SELECT 1", parameters: parameters), actor: .commandLine)
            }
            #expect(refused?.errors.map(\.field) == ["parameters"])
            #expect(refused?.errors.first?.message.contains("“Weekly US”") == true, "\(refused?.errors ?? [])")
        }
        #expect(try f.reports.get(report.id, actor: .commandLine).parameters == [Self.region])
        #expect(try f.reports.get(report.id, actor: .commandLine).version == 1)
        // Widening the choices keeps it working.
        let wider = ReportParameter(name: "region", type: .choice, choices: ["EU", "US", "APAC"], label: "Region", default: .string("EU"))
        #expect(try f.reports.update(report.id, ReportInput(parameters: [wider]), actor: .commandLine).version == 2)
    }
}
