import ArgumentParser
import Foundation
import HeraldCore
import HeraldScheduler
import HeraldStore
import Postgres

struct RunOnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-once",
        abstract: "Runs a schedule's report now, in this process, and prints the outcome; exit 1 if it did not succeed.")

    @Argument(help: "The schedule id.") var schedule: String

    func run() {
        let scheduleID = parseID(schedule, "schedule")
        let result = withStore { connection, config -> ExecutionRunner.Result in
            // Marked enqueued: this process runs it, so no scheduler's reconciler puts it on a stream.
            let id = try ExecutionService(connection: connection).runHere(scheduleID: scheduleID, actor: .commandLine)
            print("execution: \(id.uuidString.lowercased())")
            let settings = ExecutionRunner.Settings(config: config)
            return try ExecutionRunner(store: connection, secretKey: config.secretKey, settings: settings,
                                       owner: "run-once:\(ProcessInfo.processInfo.hostName):\(getpid())").run(id)
        }
        let outcome: ExecutionRunner.Outcome
        switch result {
        case .finished(let finished): outcome = finished
        case .retrying(let until, let partial):
            outcome = partial
            print("retrying failed deliveries at: \(UTCInstant.format(Int64(until.timeIntervalSince1970)))")
        case .deferred: fail("the data source is at its concurrency limit; the run waits in the queue until a slot frees")
        case .notClaimed, .leaseLost: fail("the execution was taken by another worker")
        }
        print("status: \(outcome.status)")
        if let rows = outcome.rowCount { print("rows: \(rows)") }
        for path in outcome.delivered { print("delivered: \(path)") }
        if let error = outcome.error { print("error: \(error)") }
        if outcome.status != "succeeded" { Foundation.exit(1) }
    }
}
