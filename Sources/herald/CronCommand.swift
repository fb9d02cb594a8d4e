import ArgumentParser
import Foundation
import HeraldCore

struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cron", abstract: "Evaluates cron expressions as the scheduler does.",
                                                    subcommands: [Next.self, Explain.self])

    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints the next runs, one UTC instant (YYYY-MM-DDTHH:MM:SSZ) per line, strictly after --after.")

        @Argument(help: "A 5-field cron expression or a macro such as @daily.") var expression: String?
        @Flag(help: "Read cases from stdin, one per line: zone<TAB>after<TAB>count<TAB>expression; print one line each (runs separated by spaces, or `error: ...`). For differential tests.")
        var batch = false
        @Option(help: "IANA time zone the expression is evaluated in.") var tz = "UTC"
        @Option(help: "ISO-8601 instant, e.g. 2026-03-29T00:30:00Z (default: now).") var after: String?
        @Option(help: "How many runs to print (1-1000).") var count = 5

        func run() throws {
            if batch { return runBatch() }
            guard let expression else { fail("give a cron expression (or --batch)", status: 2) }
            do {
                guard (1...1000).contains(count) else { throw ValidationError(field: "count", message: "must be from 1 to 1000") }
                let schedule = try CronSchedule(expression, timeZone: tz)
                let start = try after.map(CronCommand.parseInstant) ?? Int64(Date().timeIntervalSince1970)
                try schedule.checkFires(after: start)
                for warning in schedule.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
                let runs = schedule.nextRuns(after: start, count: count)
                print(runs.map(CronCommand.format).joined(separator: "\n"))
            } catch {
                fail("\(error)", status: 2)
            }
        }

        /// Parses every case first, then computes them all and reports on stderr how long the computing took, so the
        /// benchmark measures the engine rather than text handling.
        func runBatch() {
            var cases: [Result<(CronSchedule, Int64, Int), any Error>] = []
            while let line = readLine() {
                let parts = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 4, let count = Int(parts[2]) else {
                    cases.append(.failure(ValidationError(field: "case", message: "is not zone<TAB>after<TAB>count<TAB>expression")))
                    continue
                }
                cases.append(Result { (try CronSchedule(parts[3], timeZone: parts[0]), try CronCommand.parseInstant(parts[1]), count) })
            }
            let clock = ContinuousClock()
            let started = clock.now
            let results = cases.map { item in item.map { schedule, after, count in schedule.nextRuns(after: after, count: count) } }
            let elapsed = clock.now - started
            var output = ""
            for result in results {
                switch result {
                case .success(let runs): output += runs.map(CronCommand.format).joined(separator: " ") + "\n"
                case .failure(let error): output += "error: \(error)\n"
                }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            FileHandle.standardError.write(Data("computed \(cases.count) cases in \(String(format: "%.6f", seconds)) s\n".utf8))
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describes an expression in plain English, with any warnings, and shows its next 5 runs.")

        @Argument(help: "A 5-field cron expression or a macro.") var expression: String
        @Option(help: "IANA time zone the expression is evaluated in.") var tz = "UTC"

        func run() throws {
            do {
                let schedule = try CronSchedule(expression, timeZone: tz)
                print("\(schedule.expression.plainEnglish), \(tz)")
                for warning in schedule.warnings { print("warning: \(warning)") }
                for run in schedule.preview(after: Int64(Date().timeIntervalSince1970), count: 5, viewerZone: .utc) {
                    print("  \(run.scheduleLocal)   \(run.utc)" + (run.note.map { "   (\($0))" } ?? ""))
                }
            } catch {
                fail("\(error)", status: 2)
            }
        }
    }

    static func parseInstant(_ text: String) throws -> Int64 {
        if let instant = UTCInstant.parse(text) { return instant }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        throw ValidationError(field: "after", message: "\(text.prefix(40)) is not an ISO-8601 instant such as 2026-03-29T00:30:00Z")
    }

    static func format(_ instant: Int64) -> String { UTCInstant.format(instant) }

}
