import ArgumentParser
import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Postgres

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manages users.",
                                                    subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Adds a user. Without --password-stdin a password is generated and printed once.")

        @Option(help: "The user's e-mail address (their sign-in name).") var email: String
        @Option(help: "admin, creator or viewer.") var role: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() throws {
            guard let role = UserRole(rawValue: role) else { fail("--role must be admin, creator or viewer", status: 2) }
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else { fail("no password on standard input", status: 2) }
                password = line
            }
            let created = withStore { connection, _ in
                try AccountService(connection: connection).addUser(email: email, role: role, password: password, actor: "cli")
            }
            print("user: \(created.user.email) (\(created.user.role.rawValue)) \(created.user.id.uuidString.lowercased())")
            if let generated = created.generatedPassword { print("password: \(generated)") }
        }
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manages API tokens.",
                                                    subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Creates a bearer token for a user and prints it once.")

        @Option(help: "The e-mail address of the token's user.") var email: String
        @Option(help: "A name that tells this token apart.") var name = "cli"

        func run() throws {
            let created = withStore { connection, _ in
                try AccountService(connection: connection).createToken(email: email, name: name, actor: "cli")
            }
            print(created.token)
        }
    }
}

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key", abstract: "Secret keys.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints a new random HERALD_SECRET_KEY (base64 of 32 bytes).")
        func run() { print(Data(SecureRandom.bytes(32)).base64EncodedString()) }
    }
}
