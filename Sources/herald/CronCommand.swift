import ArgumentParser
import Foundation
import HeraldCore

struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cron", abstract: "Evaluates cron expressions as the scheduler does.",
                                                    subcommands: [Next.self])

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
                let runs = schedule.nextRuns(after: start, count: count)
                print(runs.map(CronCommand.format).joined(separator: "\n"))
            } catch {
                fail("\(error)", status: 2)
            }
        }

        func runBatch() {
            while let line = readLine() {
                let parts = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 4, let count = Int(parts[2]), let after = try? CronCommand.parseInstant(parts[1]) else {
                    print("error: malformed case")
                    continue
                }
                do {
                    let schedule = try CronSchedule(parts[3], timeZone: parts[0])
                    print(schedule.nextRuns(after: after, count: count).map(CronCommand.format).joined(separator: " "))
                } catch {
                    print("error: \(error)")
                }
            }
        }
    }

    static func parseInstant(_ text: String) throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        throw ValidationError(field: "after", message: "\(text.prefix(40)) is not an ISO-8601 instant such as 2026-03-29T00:30:00Z")
    }

    static func format(_ instant: Int64) -> String {
        var t = time_t(instant)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
