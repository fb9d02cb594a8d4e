import Foundation
import Redis

/// Where the test servers started by `deploy/test.sh` live. A test that needs one fails loudly when its variable is
/// missing: tests never skip silently because a server is absent.
public enum TestEnvironment {
    /// `postgresql://` URL of a throw-away PostgreSQL whose user may create databases.
    public static func databaseURL() throws -> String { try require("HERALD_TEST_DATABASE_URL") }

    /// `redis://` URL of a throw-away Redis the tests may flush.
    public static func redisURL() throws -> String { try require("HERALD_TEST_REDIS_URL") }

    /// A Redis database of this test's own, emptied (deploy/test.sh starts Redis with 256 of them), so that
    /// processes of tests running at the same time never read each other's queue.
    public static func isolatedRedisURL() throws -> String {
        let base = try redisURL()
        let index = redisDatabases.withLock { next -> Int in
            next += 1
            return next
        }
        precondition(index < 256, "more tests need a Redis database of their own than Redis has databases")
        let url = base + "/\(index)"
        try RedisConnection(url: url).command("FLUSHDB")
        return url
    }

    private static let redisDatabases = LockedCounter()

    /// PostgreSQL's server binaries (`initdb`, `pg_ctl`), for tests that need a cluster of their own.
    public static func postgresBinDirectory() throws -> String { try require("HERALD_TEST_PG_BIN") }

    /// The nginx binary to run the integration tests behind.
    public static var nginxPath: String { ProcessInfo.processInfo.environment["HERALD_TEST_NGINX"] ?? "/usr/sbin/nginx" }

    /// Folder with the built executables (`herald`, `FastCGITestServer`): `HERALD_TEST_BIN_DIR`, else beside the
    /// test bundle, which is where SwiftPM puts them.
    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["HERALD_TEST_BIN_DIR"], !dir.isEmpty { return dir }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On Linux the bundle is `.build/debug/HeraldPackageTests.xctest`, an executable in the bin folder itself.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    /// The package root (holds `nginx/`, `templates/`, `static/`).
    public static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    public static func require(_ key: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[key], !value.isEmpty else {
            throw MissingTestServer(variable: key)
        }
        return value
    }
}

/// Thrown when a test needs a server that `deploy/test.sh` normally starts.
public struct MissingTestServer: Error, CustomStringConvertible {
    public let variable: String
    public var description: String {
        "\(variable) is not set: run the tests with deploy/test.sh, which starts PostgreSQL, Redis and nginx for them"
    }
}

/// A counter behind a lock (the test process's tests run concurrently).
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func withLock<T>(_ body: (inout Int) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
