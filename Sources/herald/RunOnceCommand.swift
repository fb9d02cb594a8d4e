import ArgumentParser
import Foundation
import HeraldCore
import HeraldScheduler
import Postgres

struct RunOnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-once",
        abstract: "Runs a schedule's report now, in this process, and prints the outcome; exit 1 if it did not succeed.")

    @Argument(help: "The schedule id.") var schedule: String

    func run() {
        let scheduleID = parseID(schedule, "schedule")
        let outcome = withStore { connection, config -> ExecutionRunner.Outcome? in
            guard let row = try connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger)
                SELECT id, report_id, date_trunc('milliseconds', clock_timestamp()), 'manual' FROM schedules WHERE id = \(scheduleID)
                RETURNING id
                """).first else {
                throw ValidationError(field: "schedule", message: "no schedule has the id \(scheduleID.uuidString.lowercased())")
            }
            let id: UUID = try row.decode("id")
            print("execution: \(id.uuidString.lowercased())")
            return try ExecutionRunner(store: connection, secretKey: config.secretKey).run(id)
        }
        guard let outcome else { fail("the execution was taken by another worker") }
        print("status: \(outcome.status)")
        if let rows = outcome.rowCount { print("rows: \(rows)") }
        for path in outcome.paths { print("delivered: \(path)") }
        if let error = outcome.error { print("error: \(error)") }
        if outcome.status != "succeeded" { Foundation.exit(1) }
    }
}
