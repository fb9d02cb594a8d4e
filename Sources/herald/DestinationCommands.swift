import ArgumentParser
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres

/// `herald destination ...`: the same `DestinationService` (and `DestinationTester`) the pages and the API call.
struct DestinationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destination", abstract: "Destinations: where reports are delivered.",
        subcommands: [Add.self, List.self, Show.self, Test.self, Delete.self])

    static func service(_ connection: PostgresConnection, _ config: HeraldConfig) throws -> DestinationService {
        DestinationService(connection: connection, deliveryRoot: config.deliveryRoot, keyring: try config.keyring())
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Adds a destination shared with every creator; prints its id.",
            discussion: """
                Settings are key=value pairs (`--setting host=sftp.example.org --setting port=22`; `smtp.host=...` nests;
                `to`, `cc` and `bcc` take comma-separated addresses). Secrets are read from standard input with
                --secret-stdin, as a JSON object ({"password": "..."}) or key=value lines, and stored encrypted.
                """)
        @Option(help: "folder, email, sftp, ftp, s3, gcs, azure or webhook.") var kind: String
        @Option(help: "A name people pick it by.") var name: String
        @Option(name: .customLong("setting"), help: "A setting, key=value (repeatable).") var settings: [String] = []
        @Flag(help: "Read the secrets from standard input.") var secretStdin = false

        func run() {
            let secrets = secretStdin ? SecretInput.read(FileHandle.standardInput.readDataToEndOfFile()) : [:]
            let id = withStore { connection, config in
                let input = DestinationInput(name: name, kind: kind, settingsJSON: try DestinationSettingPairs.json(settings), secrets: secrets)
                return try DestinationCommand.service(connection, config).create(input, actor: .commandLine).id
            }
            print(id.uuidString.lowercased())
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists destinations: id, kind, name, which secrets are set.")
        func run() {
            let all = withStore { connection, config in
                let service = try DestinationCommand.service(connection, config)
                var all: [Destination] = []
                var after: [String]?
                repeat {
                    let page = try service.list(actor: .commandLine, after: after, limit: 200)
                    all += page.items
                    after = page.nextAfter
                } while after != nil
                return all
            }
            for d in all {
                print("\(d.id.uuidString.lowercased())  \(d.kind)  \(d.name)  secrets: \(d.secretFields.isEmpty ? "none" : d.secretFields.joined(separator: ","))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows a destination's settings and which secrets are set (never their values).")
        @Argument(help: "The destination id.") var id: String
        func run() {
            let id = parseID(id, "destination")
            let d = withStore { connection, config in try DestinationCommand.service(connection, config).get(id, actor: .commandLine) }
            print("name: \(d.name)\nkind: \(d.kind)\nsettings: \(d.settingsJSON)\nsecrets set: \(d.secretFields.isEmpty ? "none" : d.secretFields.joined(separator: ", "))")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connects to a destination and checks what a delivery needs; exits 1 naming the failing step.")
        @Argument(help: "The destination id.") var id: String
        func run() {
            let id = parseID(id, "destination")
            let result = withStore { connection, config in
                // The admin's SMTP server, for an email destination without one of its own.
                let system = try SystemEmailService(connection: connection, keyring: try config.keyring()).load()
                return try DestinationTester(destinations: try DestinationCommand.service(connection, config),
                                             environment: ChannelEnvironment(config: config, systemSMTP: system)).test(id, actor: .commandLine)
            }
            guard result.ok else { fail("test failed: \(result.detail)") }
            print("ok: \(result.detail)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a destination no schedule delivers to.")
        @Argument(help: "The destination id.") var id: String
        func run() {
            let id = parseID(id, "destination")
            withStore { connection, config in try DestinationCommand.service(connection, config).delete(id, actor: .commandLine) }
        }
    }
}

/// Secrets given on standard input: a JSON object of strings, or `key=value` lines (a value runs to the line's end).
enum SecretInput {
    static func read(_ data: Data) -> [String: String?] {
        let text = String(decoding: data, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            guard let object = try? JSONDecoder().decode([String: String].self, from: data) else {
                fail("secrets on standard input: not a JSON object of strings", status: 2)
            }
            return object.mapValues { $0 }
        }
        var secrets: [String: String?] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let equals = line.firstIndex(of: "=") else { fail("secrets on standard input: a line is not key=value", status: 2) }
            secrets[String(line[..<equals]).trimmingCharacters(in: .whitespaces)] = String(line[line.index(after: equals)...])
        }
        return secrets
    }
}

/// `herald secrets rotate`.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "secrets", abstract: "Stored secrets.", subcommands: [Rotate.self])

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypts every stored secret under HERALD_SECRET_KEY.",
            discussion: """
                Set the new key as HERALD_SECRET_KEY and the old one as HERALD_SECRET_KEY_PREVIOUS, restart herald web and
                the schedulers with both, run this, then drop HERALD_SECRET_KEY_PREVIOUS. Safe to run again.
                """)
        func run() {
            let outcome = withStore { connection, config in
                try SecretRotation(connection: connection, keyring: try config.keyring()).rotate()
            }
            print("re-encrypted \(outcome.destinations) destination secret\(outcome.destinations == 1 ? "" : "s"), \(outcome.dataSources) data source URL\(outcome.dataSources == 1 ? "" : "s") and \(outcome.systemEmail) SMTP password\(outcome.systemEmail == 1 ? "" : "s")")
        }
    }
}
