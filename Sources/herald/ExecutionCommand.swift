import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

struct ExecutionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "execution", abstract: "Executions (runs of schedules).",
                                                    subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists executions, newest slot first.")
        @Option(help: "Only this schedule's.") var schedule: String?
        @Option(help: "At most this many (1-10000).") var limit = 100
        @Flag(help: "Print a JSON array.") var json = false

        func run() {
            let scheduleID = schedule.map { parseID($0, "schedule") }
            guard (1...10_000).contains(limit) else { fail("--limit must be from 1 to 10000", status: 2) }
            let executions = withStore { connection, _ in try ExecutionRepository(connection: connection).list(scheduleID: scheduleID, limit: limit) }
            if json {
                // Every key in every object, absent values as null: scripts index them without checking.
                func time(_ date: Date?) -> Any { date.map { UTCInstant.format(Int64($0.timeIntervalSince1970.rounded(.down))) } ?? NSNull() }
                let objects: [[String: Any]] = executions.map { e in
                    ["id": e.id.uuidString.lowercased(), "schedule_id": e.scheduleID?.uuidString.lowercased() ?? NSNull(),
                     "scheduled_for": time(e.scheduledFor), "status": e.status, "attempts": e.attempts,
                     "started_at": time(e.startedAt), "finished_at": time(e.finishedAt), "error": e.error ?? NSNull()]
                }
                guard let data = try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]) else {
                    fail("could not encode the executions")
                }
                print(String(decoding: data, as: UTF8.self))
            } else {
                for e in executions {
                    print("\(e.id.uuidString.lowercased())  \(UTCInstant.format(Int64(e.scheduledFor.timeIntervalSince1970)))  \(e.status)  attempts \(e.attempts)\(e.error.map { "  \($0)" } ?? "")")
                }
            }
        }
    }
}
