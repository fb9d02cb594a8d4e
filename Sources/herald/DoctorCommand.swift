import ArgumentParser
import Foundation
import HeraldDoctor

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Checks configuration, PostgreSQL, migrations, clock, Redis, the data folder and artifacts; exits 1 if any check failed.")

    @Flag(help: "Print the results as JSON.") var json = false

    func run() throws {
        let results = Doctor(environment: ProcessInfo.processInfo.environment).run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let report = Report(status: results.worst, checks: results)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for result in results {
                print("\(result.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(result.name): \(result.message)")
                for item in result.items { print("        \(item)") }
                if result.itemTotal > result.items.count { print("        … and \(result.itemTotal - result.items.count) more") }
            }
        }
        if results.worst == .failed { throw ExitCode(1) }
    }

    /// `--json`'s shape: the worst status, then every check.
    struct Report: Encodable {
        let status: DoctorResult.Status
        let checks: [DoctorResult]
    }
}
