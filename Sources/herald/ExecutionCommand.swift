import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

struct ExecutionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "execution", abstract: "Executions (runs of schedules).",
                                                    subcommands: [List.self, Run.self, Test.self, Resend.self, Requeue.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists executions, newest slot first.")
        @Option(help: "Only this schedule's.") var schedule: String?
        @Option(help: "At most this many (1-10000).") var limit = 100
        @Flag(help: "Only dead letters (executions that crashed their workers or lost every delivery).") var dead = false
        @Flag(help: "Print a JSON array.") var json = false

        func run() {
            let scheduleID = schedule.map { parseID($0, "schedule") }
            guard (1...10_000).contains(limit) else { fail("--limit must be from 1 to 10000", status: 2) }
            // The runs the /executions page and the API list, through the same service, as the command line.
            let executions = withStore { connection, _ in
                try ExecutionHistoryService(connection: connection).list(.init(scheduleID: scheduleID, deadLettered: dead), limit: limit,
                                                                          after: nil, actor: .commandLine).items
            }
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

extension ExecutionCommand {
    /// The entry points below only change rows and wake the schedulers; a running `herald scheduler` does the work.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queues a run of a schedule now (a scheduler runs it); prints its id.")
        @Argument(help: "The schedule id.") var schedule: String

        func run() {
            let scheduleID = parseID(schedule, "schedule")
            let id = withStore { connection, _ in try ExecutionService(connection: connection).runNow(scheduleID: scheduleID, actor: .commandLine) }
            print(id.uuidString.lowercased())
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queues a test run of a schedule that delivers only to the given destination; prints its id.")
        @Argument(help: "The schedule id.") var schedule: String
        @Option(help: "The destination to deliver the test run to.") var destination: String

        func run() {
            let scheduleID = parseID(schedule, "schedule")
            let destinationID = parseID(destination, "destination")
            let id = withStore { connection, _ in
                try ExecutionService(connection: connection).testRun(scheduleID: scheduleID, destinationID: destinationID, actor: .commandLine)
            }
            print(id.uuidString.lowercased())
        }
    }

    struct Resend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-sends only the failed deliveries of a finished execution.")
        @Argument(help: "The execution id.") var execution: String

        func run() {
            let executionID = parseID(execution, "execution")
            withStore { connection, _ in try ExecutionService(connection: connection).resendFailed(executionID: executionID, actor: .commandLine) }
        }
    }

    struct Requeue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Runs a dead-lettered execution again.")
        @Argument(help: "The execution id.") var execution: String

        func run() {
            let executionID = parseID(execution, "execution")
            withStore { connection, _ in try ExecutionService(connection: connection).requeueDeadLetter(executionID: executionID, actor: .commandLine) }
        }
    }
}
