import Foundation
import Redis

/// A redis-server of one test's own, on a free loopback port in a folder of its own, for tests that kill and restart
/// it (doing that to the shared one would break every test running beside them). It keeps nothing on disk, so a
/// restart comes back empty, as a Redis that lost its data does. Stopped by PID.
public final class PrivateRedisServer {
    public let port = freeLoopbackPort()
    public let directory: String
    private var process: ChildProcess?

    public init() throws {
        directory = NSTemporaryDirectory() + "herald-redis-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// `redis-server` from `HERALD_TEST_REDIS_SERVER`, else Debian's.
    static var executable: String { ProcessInfo.processInfo.environment["HERALD_TEST_REDIS_SERVER"] ?? "/usr/bin/redis-server" }

    /// Starts the server (empty) and waits until it answers PING.
    public func start() throws {
        let server = try ChildProcess(Self.executable, ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                                        "--dir", directory, "--daemonize", "no"])
        process = server
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? RedisConnection(url: url).command("PING").string) == "PONG" { return }
            guard server.isRunning else { break }
            usleep(50_000)
        }
        throw ServerError(message: "redis-server did not start on port \(port): \(server.output)")
    }

    /// `kill -9`: the data set is gone with the process.
    public func kill() {
        process?.signal(SIGKILL)
        process?.wait(timeout: 10)
    }

    deinit {
        process?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct ServerError: Error, CustomStringConvertible { let message: String; var description: String { message } }
}
