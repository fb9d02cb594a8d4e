import Foundation

/// A PostgreSQL cluster of one test's own, for tests that stop or restart the server (doing that to the shared one
/// would break every test running beside them). As root the cluster runs as `postgres`, which PostgreSQL requires.
public final class PrivatePostgresCluster {
    public let directory: String
    public let port: Int
    let bin: String

    public init() throws {
        bin = try TestEnvironment.postgresBinDirectory()
        directory = NSTemporaryDirectory() + "herald-pg-\(UUID().uuidString.prefix(8))"
        port = freeLoopbackPort()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { _ = try runCommand("/bin/chown", ["postgres", directory]) }
        let initdb = try run("\(bin)/initdb -D \(directory)/data -A trust -U postgres -E UTF8")
        guard initdb.status == 0 else { throw ClusterError(message: "initdb failed: \(initdb.output)") }
        try control("start")
    }

    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    /// `pg_ctl start|stop|restart`, waiting until it is done.
    public func control(_ action: String) throws {
        let result = try run("\(bin)/pg_ctl -D \(directory)/data -l \(directory)/server.log -w -m fast " +
                             "-o '-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off' \(action)")
        guard result.status == 0 else { throw ClusterError(message: "pg_ctl \(action) failed: \(result.output)") }
    }

    private func run(_ command: String) throws -> (status: Int32, output: String) {
        getuid() == 0 ? try runCommand("/usr/sbin/runuser", ["-u", "postgres", "--", "/bin/sh", "-c", command])
                      : try runShell(command)
    }

    deinit {
        _ = try? control("stop")
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct ClusterError: Error, CustomStringConvertible { let message: String; var description: String { message } }
}
