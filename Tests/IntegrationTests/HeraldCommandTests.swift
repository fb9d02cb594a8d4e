import Foundation
import Postgres
import Redis
import Testing
import TestSupport

/// The `herald` executable as operators and deploy scripts run it.
struct HeraldCommandTests {
    static var herald: String { TestEnvironment.binDirectory + "/herald" }
    static let strongKey = "q3mYhS0yJ4oKXrG1b8Wl2vJ+u3zZp9TqC6dNfE0aR7s="

    /// A scheduler refuses to start without a writable data folder, so each environment gets a new one.
    static func environment(databaseURL: String, redisURL: String? = nil, key: String = strongKey) throws -> [String: String] {
        let data = NSTemporaryDirectory() + "herald-data-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        return ["HERALD_DATABASE_URL": databaseURL, "HERALD_REDIS_URL": try redisURL ?? TestEnvironment.isolatedRedisURL(),
                "HERALD_SECRET_KEY": key, "HERALD_TEMPLATES_DIR": TestEnvironment.packageRoot + "/templates",
                "HERALD_DATA_DIR": data]
    }

    @Test func startUpRefusesAnUnusableConfigurationNamingTheKey() throws {
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let base = try Self.environment(databaseURL: try TestEnvironment.databaseURL())
        let missing = NSTemporaryDirectory() + "herald-missing-" + UUID().uuidString.prefix(8)
        let file = NSTemporaryDirectory() + "herald-file-" + UUID().uuidString.prefix(8)
        try Data().write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cases: [([String: String], String)] = [
            (["HERALD_DATABASE_URL": "postgresql://herald:\(password)@127.0.0.1:notaport/herald"], "HERALD_DATABASE_URL"),
            (["HERALD_DATABASE_URL": "postgresql://herald:\(password)%zz@127.0.0.1/herald"], "HERALD_DATABASE_URL"),
            (["HERALD_REDIS_URL": "redis://:\(password)@127.0.0.1:99999"], "HERALD_REDIS_URL"),
            (["HERALD_REDIS_URL": "redis://:\(password)@"], "HERALD_REDIS_URL"),
            (["HERALD_DATA_DIR": missing], "HERALD_DATA_DIR"),
            (["HERALD_DATA_DIR": file], "HERALD_DATA_DIR"),
            (["HERALD_METRICS_PORT": "99999"], "HERALD_METRICS_PORT"),
        ]
        for (overrides, key) in cases {
            let result = try runCommand(Self.herald, ["scheduler"], environment: base.merging(overrides) { $1 }, timeout: 20)
            #expect(result.status == 78, "\(overrides): exited \(result.status): \(result.output)")
            #expect(result.output.contains(key), "\(result.output)")
            #expect(!result.output.contains(password), "the value leaked: \(result.output)")
        }
    }

    @Test(arguments: ["", "c2hvcnQ=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="])
    func startUpRefusesAWeakSecretKey(key: String) throws {
        for command in [["web"], ["scheduler"], ["migrate"]] {
            let result = try runCommand(Self.herald, command, environment: try Self.environment(
                databaseURL: try TestEnvironment.databaseURL(), key: key))
            #expect(result.status == 78, "herald \(command) exited \(result.status): \(result.output)")
            #expect(result.output.contains("HERALD_SECRET_KEY"))
            #expect(result.output.contains("herald key generate"))
            if !key.isEmpty { #expect(!result.output.contains(key)) }
        }
    }

    @Test func keyGeneratePrintsAKeyThatStartUpAccepts() throws {
        let result = try runCommand(Self.herald, ["key", "generate"])
        #expect(result.status == 0)
        let key = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: key)?.count == 32)
        let migrate = try runCommand(Self.herald, ["migrate"], environment: try Self.environment(
            databaseURL: try TestDatabase.create(), key: key))
        #expect(migrate.status == 0, "\(migrate.output)")
    }

    @Test func migrateRunTwiceConcurrentlyAppliesOnce() throws {
        let url = try TestDatabase.create()
        let env = try Self.environment(databaseURL: url)
        let first = try ChildProcess(Self.herald, ["migrate"], environment: env)
        let second = try ChildProcess(Self.herald, ["migrate"], environment: env)
        #expect(first.wait(timeout: 60) == 0, "\(first.output)")
        #expect(second.wait(timeout: 60) == 0, "\(second.output)")
        let outputs = first.output + second.output
        #expect(outputs.components(separatedBy: "applied 0001").count == 2, "exactly one process applied 0001: \(outputs)")
        #expect(outputs.contains("database is up to date"))
        let rows = try PostgresConnection(url: url).query("SELECT count(*) AS n FROM schema_migrations WHERE version = 1")
        #expect(try rows[0].decode("n", as: Int.self) == 1)
    }

    @Test func userAddAndTokenCreateFollowTheExitStatusContract() throws {
        let url = try TestDatabase.create()
        let env = try Self.environment(databaseURL: url)
        #expect(try runCommand(Self.herald, ["migrate"], environment: env).status == 0)

        let added = try runCommand(Self.herald, ["user", "add", "--email", "admin@example.org", "--role", "admin"], environment: env)
        #expect(added.status == 0, "\(added.output)")
        let passwordLine = try #require(added.output.split(separator: "\n").first { $0.hasPrefix("password: ") })
        #expect(passwordLine.dropFirst("password: ".count).count >= 20)

        let again = try runCommand(Self.herald, ["user", "add", "--email", "ADMIN@example.org", "--role", "viewer"], environment: env)
        #expect(again.status == 3)
        #expect(again.output.contains("already exists"))

        let badEmail = try runCommand(Self.herald, ["user", "add", "--email", "nobody", "--role", "admin"], environment: env)
        #expect(badEmail.status == 2)
        #expect(badEmail.output.contains("email"))

        let badRole = try runCommand(Self.herald, ["user", "add", "--email", "x@example.org", "--role", "root"], environment: env)
        #expect(badRole.status == 2)

        let fromStdin = try runCommand(Self.herald, ["user", "add", "--email", "v@example.org", "--role", "viewer", "--password-stdin"],
                                       environment: env, input: "a long enough passphrase\n")
        #expect(fromStdin.status == 0, "\(fromStdin.output)")
        #expect(!fromStdin.output.contains("password:"))
        #expect(!fromStdin.output.contains("a long enough passphrase"))

        let token = try runCommand(Self.herald, ["token", "create", "--email", "admin@example.org"], environment: env)
        #expect(token.status == 0, "\(token.output)")
        let value = token.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(value.hasPrefix("hrld_"))
        let stored = try PostgresConnection(url: url).query("SELECT count(*) AS n FROM api_tokens")[0].decode("n", as: Int.self)
        #expect(stored == 1)

        let unknown = try runCommand(Self.herald, ["token", "create", "--email", "ghost@example.org"], environment: env)
        #expect(unknown.status == 2)
    }

    @Test func schedulerBeatsAndLeavesCleanlyOnSIGTERM() throws {
        let url = try TestDatabase.create()
        let redisURL = try TestEnvironment.isolatedRedisURL()
        let redis = try RedisConnection(url: redisURL)
        let scheduler = try ChildProcess(Self.herald, ["scheduler"], environment: try Self.environment(databaseURL: url, redisURL: redisURL))
        // The id is scheduler:<host>:<pid>:<token of this start>.
        let found = try waitUntil(10) {
            (try redis.command("ZRANGE", "herald:heartbeats", "0", "-1").array ?? []).contains { $0.string?.contains(":\(scheduler.pid):") == true }
        }
        #expect(found, "no heartbeat from the scheduler: \(scheduler.output)")
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0, "\(scheduler.output)")
        let members = try redis.command("ZRANGE", "herald:heartbeats", "0", "-1").array ?? []
        #expect(!members.contains { $0.string?.contains(":\(scheduler.pid):") == true })
    }

    @Test func schedulerWaitsForPostgresInsteadOfDying() throws {
        let dead = "postgresql://postgres@127.0.0.1:\(freeLoopbackPort())/none"
        let scheduler = try ChildProcess(Self.herald, ["scheduler"], environment: try Self.environment(databaseURL: dead))
        #expect(waitUntil(10) { scheduler.output.contains("retrying") }, "\(scheduler.output)")
        #expect(scheduler.isRunning, "the scheduler exited while PostgreSQL was down: \(scheduler.output)")
        scheduler.signal(SIGTERM)
        #expect(scheduler.wait(timeout: 10) == 0)
    }
}
