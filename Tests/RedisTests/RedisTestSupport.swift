import Foundation
import Redis
import TestSupport

/// A connection to the shared test server and a key prefix no other test uses (tests run in parallel). Its keys
/// are removed when it goes away.
final class SharedRedis {
    let connection: RedisConnection
    let prefix = "test:\(UUID().uuidString):"

    init(database: Int? = nil) throws {
        var url = try RedisURL(parsing: TestEnvironment.redisURL())
        if let database { url.database = database }
        connection = try RedisConnection(url: url)
    }

    func key(_ name: String) -> String { prefix + name }

    deinit {
        var cursor: RedisArgument = "0"
        repeat {
            let scan: [RedisArgument] = ["SCAN", cursor, "MATCH", .string(prefix + "*"), "COUNT", 1000]
            guard let page = try? connection.command(scan).array, page.count == 2, let next = page[0].string,
                  let keys = page[1].array else { return }
            let names = keys.compactMap { $0.bytes.map(RedisArgument.bytes) }
            if !names.isEmpty { _ = try? connection.command(["UNLINK"] + names) }
            cursor = .string(next)
        } while cursor != "0"
    }

    /// A second, independent connection to the same server.
    func another(database: Int? = nil) throws -> RedisConnection {
        var url = connection.url
        if let database { url.database = database }
        return try RedisConnection(url: url)
    }
}

/// A redis-server of the test's own, for tests that change server config or stop the server. Stopped by PID.
final class PrivateRedisServer {
    let port: Int
    private var process: ChildProcess?

    init() throws {
        port = freeLoopbackPort()
        try start()
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    func start() throws {
        let process = try ChildProcess("/usr/bin/redis-server", [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
        ])
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? RedisConnection(url: url, connectTimeout: 0.5).command("PING")) != nil { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        throw RedisError(kind: .connection, message: "private redis-server on \(port) did not start: \(process.output)")
    }

    /// SIGKILL by PID: children of the test process inherit a signal mask that blocks SIGTERM, so a polite stop
    /// would wait out ChildProcess' 5-second grace period. Nothing is persisted, so nothing is lost.
    func stop() {
        guard let process else { return }
        process.signal(SIGKILL)
        process.wait(timeout: 5)
        self.process = nil
    }

    deinit { stop() }
}
