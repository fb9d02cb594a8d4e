import Foundation
import Postgres
import Testing
import TestSupport

/// `herald destination` and `herald secrets rotate` as a script runs them, against the real SFTP test server: the
/// secret goes in on standard input and never comes out, the connection test names what it checked, and a rotation
/// leaves the destination working under the new key alone.
struct DestinationCommandTests {
    @Test func addTestAndRotateAnSFTPDestinationFromTheCommandLine() throws {
        let sftp = try DeliveryServers.sftp()
        let database = try TestDatabase.create()
        var environment = try HeraldCommandTests.environment(databaseURL: database)
        environment["HERALD_OUTBOUND_ALLOW"] = "127.0.0.1"
        let herald = HeraldCommandTests.herald
        #expect(try runCommand(herald, ["migrate"], environment: environment).status == 0)

        let added = try runCommand(herald, ["destination", "add", "--kind", "sftp", "--name", "Finance drop",
                                            "--setting", "host=127.0.0.1", "--setting", "port=\(sftp.port)",
                                            "--setting", "username=\(sftp.user)", "--setting", "path=\(sftp.root)",
                                            "--secret-stdin"],
                                   environment: environment, input: "password=\(sftp.password)\n")
        #expect(added.status == 0, "\(added.output)")
        let id = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UUID(uuidString: id) != nil)

        let shown = try runCommand(herald, ["destination", "show", id], environment: environment)
        #expect(shown.output.contains("secrets set: password") && shown.output.contains(#""port": \#(sftp.port)"#))
        #expect(!shown.output.contains(sftp.password))

        let tested = try runCommand(herald, ["destination", "test", id], environment: environment)
        #expect(tested.status == 0, "\(tested.output)")
        #expect(!tested.output.contains(sftp.password))
        // The first successful connection pinned the server's host key.
        #expect(try runCommand(herald, ["destination", "show", id], environment: environment).output.contains(sftp.hostKeySHA256))

        // A bad setting is refused naming the field; nothing is stored.
        let refused = try runCommand(herald, ["destination", "add", "--kind", "sftp", "--name", "bad", "--setting", "host=", "--setting", "username=u"],
                                     environment: environment)
        #expect(refused.status == 2 && refused.output.contains("settings.host"), "\(refused.output)")

        // Rotation: the new key with the old one beside it re-seals; afterwards the new key alone opens the secret.
        var rotating = environment
        rotating["HERALD_SECRET_KEY"] = "ggF0Q9w1zt+8/esw3j4P4aLyul2WE6a46ioqn3hKw7I="
        rotating["HERALD_SECRET_KEY_PREVIOUS"] = environment["HERALD_SECRET_KEY"]
        let rotated = try runCommand(herald, ["secrets", "rotate"], environment: rotating)
        #expect(rotated.status == 0 && rotated.output.contains("re-encrypted 1 destination secret"), "\(rotated.output)")
        rotating["HERALD_SECRET_KEY_PREVIOUS"] = nil
        let after = try runCommand(herald, ["destination", "test", id], environment: rotating)
        #expect(after.status == 0, "\(after.output)")
        // The old key alone can no longer open it, and says so without the value.
        let old = try runCommand(herald, ["destination", "test", id], environment: environment)
        #expect(old.status != 0 && !old.output.contains(sftp.password), "\(old.output)")
    }
}
