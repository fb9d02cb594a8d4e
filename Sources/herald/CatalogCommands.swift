import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import Postgres

/// Runs `body` with a database connection. Bad input exits 2 with the reason on stderr, an existing user 3 (so
/// scripts can treat it as "already there"), anything else 1.
func withStore<T>(_ body: (PostgresConnection, HeraldConfig) throws -> T) -> T {
    let config = loadConfig()
    do {
        return try body(try PostgresConnection(url: config.databaseURL), config)
    } catch let error as HeraldCore.ValidationError {
        fail(error.description, status: 2)
    } catch let error as ValidationErrors {
        fail(error.description, status: 2)
    } catch let error as Conflict {
        fail(error.description, status: 2)
    } catch let error as NotFound {
        fail(error.description, status: 2)
    } catch let error as CronError {
        fail(error.description, status: 2)
    } catch let error as UserNotFound {
        fail(error.description, status: 2)
    } catch let error as UserExists {
        fail(error.description, status: 3)
    } catch {
        fail("\(error)")
    }
}

func parseID(_ text: String, _ field: String) -> UUID {
    guard let id = UUID(uuidString: text) else { fail("\(field): \(text.prefix(40)) is not an id", status: 2) }
    return id
}

struct DataSourceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datasource", abstract: "Data sources reports query.",
                                                    subcommands: [Add.self])
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adds a PostgreSQL data source; prints its id. The URL is stored encrypted.")
        @Option(help: "A unique name.") var name: String
        @Option(help: "postgresql:// URL; use a role that may only SELECT.") var url: String
        func run() {
            let id = withStore { connection, config in
                try DataSourceService(connection: connection, secretKey: config.secretKey)
                    .create(DataSourceInput(name: name, url: url), actor: .commandLine).id
            }
            print(id.uuidString.lowercased())
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Reports.", subcommands: [Add.self])
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adds a report (a SQL query on a data source); prints its id.")
        @Option(help: "The report's name.") var name: String
        @Option(help: "The data source id.") var datasource: String
        @Option(help: "The query.") var sql: String
        @Option(name: .customLong("max-duration"), help: "Seconds a run may take before it is cancelled and fails (default 1800).")
        var maxDuration = ReportService.defaultMaxDurationSeconds
        @Option(name: .customLong("row-limit"), help: "Rows a run keeps; a longer result is cut there and marked truncated (default 1000000).")
        var rowLimit = ReportService.defaultRowLimit
        @Option(help: "A Markdown description.") var description = ""
        @Option(help: #"The parameters its SQL uses as :name, as a JSON array: [{"name":"region","type":"choice","choices":["EU","US"],"default":"EU"}]."#)
        var parameters = "[]"
        func run() {
            let source = parseID(datasource, "datasource")
            guard let declared = try? JSONDecoder().decode([ReportParameter].self, from: Data(parameters.utf8)) else {
                fail(#"--parameters must be a JSON array of {"name", "type", ...} objects"#, status: 2)
            }
            let id = withStore { connection, config in
                try ReportService(connection: connection, maximumRowLimit: config.maxRowLimit).create(
                    ReportInput(name: name, dataSourceID: source, sql: sql, descriptionMd: description, maxDurationSeconds: maxDuration,
                                rowLimit: rowLimit, parameters: declared),
                    actor: .commandLine).id
            }
            print(id.uuidString.lowercased())
        }
    }
}

extension HeraldConfig {
    var scheduleLimits: ScheduleLimits {
        ScheduleLimits(minimumInterval: minimumInterval, maxSchedulesPerUser: maxSchedulesPerUser, maxBackfill: maxBackfill)
    }
}

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schedule", abstract: "Schedules.",
                                                    subcommands: [Add.self, List.self, Pause.self, Resume.self, Delete.self, Backfill.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Schedules a report into a local folder; prints the schedule's id.")
        @Option(help: "The report id.") var report: String
        @Option(help: "A 5-field cron expression.") var cron: String
        @Option(help: "IANA time zone.") var tz: String
        @Option(help: "Sub-folder of HERALD_DELIVERY_ROOT to deliver into (relative; no ..).") var folder: String
        @Option(help: "File name pattern: {report_name} {date} {time} {format} {execution_id}.")
        var filename = "{report_name}_{date}_{time}.{format}"
        @Option(help: "skip, run_once or run_all.") var misfire = "run_once"
        @Option(help: "skip, buffer_one or allow.") var overlap = "skip"
        @Option(help: "overwrite or timestamp: what to do when the file already exists.") var naming = "overwrite"
        @Option(help: "0-9; higher runs first when workers are busy.") var priority = 5
        @Option(help: "The owner's e-mail.") var owner: String?
        @Option(name: .customLong("param"), help: "A parameter value, name=value (a JSON array after = for a list); repeat for each.")
        var params: [String] = []
        @Option(name: .customLong("format"), help: "csv, xlsx, pdf, html or json; repeat for several (default csv).")
        var formats: [String] = []
        @Option(help: #"When to deliver: always, if_rows, if_changed, or a condition as JSON: {"mode":"if_condition","measure":"sum","column":"amount","operator":">","threshold":"5000"}."#)
        var deliver = "always"

        func run() {
            let reportID = parseID(report, "report")
            guard let misfirePolicy = MisfirePolicy(rawValue: misfire) else { fail("--misfire must be skip, run_once or run_all", status: 2) }
            guard let overlapPolicy = OverlapPolicy(rawValue: overlap) else { fail("--overlap must be skip, buffer_one or allow", status: 2) }
            guard (0...9).contains(priority) else { fail("--priority must be from 0 to 9", status: 2) }
            let id = withStore { connection, config in
                let service = ScheduleService(connection: connection, limits: config.scheduleLimits)
                let recurrence = Recurrence(kind: .custom, timeZone: tz, cron: cron)
                let ownerID = try owner.map { email -> UUID in
                    guard let address = try? EmailAddress(email), let user = try UserRepository(connection: connection).find(email: address) else {
                        throw ValidationError(field: "owner", message: "no user has the e-mail \(email)")
                    }
                    return user.id
                }
                let condition = deliver.hasPrefix("{")
                    ? try JSONDecoder().decode(DeliveryCondition.self, from: Data(deliver.utf8)) : DeliveryCondition(mode: deliver)
                var draft = ScheduleDraft(reportID: reportID, recurrence: recurrence, parameters: try Self.values(params),
                                          formats: formats.isEmpty ? ["csv"] : formats, filenamePattern: filename, naming: naming,
                                          misfirePolicy: misfirePolicy.rawValue, overlapPolicy: overlapPolicy.rawValue, priority: priority)
                draft.deliveryCondition = condition
                for warning in service.preview(draft, actor: .commandLine).warnings {
                    FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
                }
                // The folder becomes a destination of its own, made with the schedule in one transaction.
                return try service.create(draft, intoNewFolder: folder, deliveryRoot: config.deliveryRoot, actor: .commandLine,
                                          ownerID: ownerID).id
            }
            print(id.uuidString.lowercased())
        }

        /// `name=value` pairs; a value that is a JSON array is a list.
        static func values(_ pairs: [String]) throws -> [String: ParameterInput] {
            var values: [String: ParameterInput] = [:]
            for pair in pairs {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ValidationError(field: "param", message: "\(pair.prefix(40)) is not name=value")
                }
                let name = String(pair[..<equals]), text = String(pair[pair.index(after: equals)...])
                if text.hasPrefix("["), let list = try? JSONDecoder().decode(ParameterInput.self, from: Data(text.utf8)) {
                    values[name] = list
                } else {
                    values[name] = .string(text)
                }
            }
            return values
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists schedules.")
        func run() {
            let schedules = withStore { connection, config in
                let service = ScheduleService(connection: connection, limits: config.scheduleLimits)
                var all: [ScheduleRecord] = []
                var after: [String]?
                repeat {
                    let page = try service.list(limit: 200, after: after, actor: .commandLine)
                    all += page.items
                    after = page.next
                } while after != nil
                return all
            }
            for s in schedules {
                let next = s.nextRunAt.map { UTCInstant.format(Int64($0.timeIntervalSince1970)) } ?? "-"
                let state = s.brokenReason != nil ? "broken" : s.paused ? "paused" : "active"
                print("\(s.id.uuidString.lowercased())  \(state)  \(s.cron ?? "once")  \(s.recurrence.timeZone)  next \(next)\(s.brokenReason.map { "  (\($0))" } ?? "")")
            }
        }
    }

    struct Pause: ParsableCommand {
        @Argument(help: "The schedule id.") var id: String
        @Option(help: "Why it is paused (shown on its page).") var note = ""
        func run() { let id = parseID(id, "schedule"); withStore { c, config in _ = try ScheduleService(connection: c, limits: config.scheduleLimits).pause(id, note: note, actor: .commandLine) } }
    }

    struct Resume: ParsableCommand {
        @Argument(help: "The schedule id.") var id: String
        func run() { let id = parseID(id, "schedule"); withStore { c, config in _ = try ScheduleService(connection: c, limits: config.scheduleLimits).resume(id, actor: .commandLine) } }
    }

    struct Delete: ParsableCommand {
        @Argument(help: "The schedule id.") var id: String
        func run() { let id = parseID(id, "schedule"); withStore { c, config in try ScheduleService(connection: c, limits: config.scheduleLimits).delete(id, actor: .commandLine) } }
    }

    struct Backfill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queues one run per past slot between two days (in the schedule's zone, both included); they run one after another.")
        @Argument(help: "The schedule id.") var id: String
        @Option(help: "The first day, YYYY-MM-DD.") var from: String
        @Option(help: "The last day, YYYY-MM-DD (not after today).") var to: String
        @Flag(help: "Also run again the slots that already ran (the earlier run is kept, marked superseded).") var rerun = false
        func run() {
            let id = parseID(id, "schedule")
            let result = withStore { c, config in
                try ScheduleService(connection: c, limits: config.scheduleLimits).backfill(id, from: from, to: to, rerun: rerun, actor: .commandLine)
            }
            print("queued \(result.created) run(s) (\(result.rerun) re-run), skipped \(result.skipped) slot(s) that already had a run")
        }
    }
}
