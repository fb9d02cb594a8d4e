import ArgumentParser
import Foundation
import HeraldScheduler

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retention", abstract: "Expiry of old runs and their files.",
                                                    subcommands: [Run.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Removes expired runs and their files now (as the schedulers do every 10 minutes) and prints what went.")

        func run() throws {
            let dataDirectory = loadConfig(writesData: true).dataDirectory
            let outcome = withStore { connection, config in
                try RetentionCleaner(connection: connection, dataDirectory: dataDirectory, defaultDays: config.retentionDays).run()
            }
            switch outcome {
            case .skipped:
                print("skipped: another cleaner is running")
            case .cleaned(let passID, let totals):
                print("pass \(passID): removed \(totals.executions) runs, \(totals.artifacts) artifacts, \(totals.files) files (\(totals.bytes) bytes) in \(totals.batches) batches")
                for error in totals.errors { print("error: \(error)") }
                if !totals.errors.isEmpty { throw ExitCode(1) }
            }
        }
    }
}
