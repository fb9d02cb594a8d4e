import Foundation
import Testing
@testable import HeraldCore

struct HeraldConfigTests {
    static let strongKey = Data((0..<32).map { UInt8(($0 * 73 + 41) % 256) ^ 0x5A }).base64EncodedString()

    static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        var env = [
            "HERALD_DATABASE_URL": "postgresql://herald@127.0.0.1:5432/herald",
            "HERALD_REDIS_URL": "redis://127.0.0.1:6379",
            "HERALD_SECRET_KEY": strongKey,
        ]
        env.merge(overrides) { _, new in new }
        return env
    }

    @Test func acceptsACompleteEnvironmentAndFillsDefaults() throws {
        let config = try HeraldConfig(environment: Self.environment())
        #expect(config.secretKey.count == 32)
        #expect(config.baseURL == "https://localhost:8443")
        #expect(config.logLevel == .info)
        #expect(config.fastCGISocket == nil)
        #expect(config.webThreads == 16)
        #expect(config.workers == 8)
        #expect(config.leaseSeconds == 30)
        #expect(config.retry == RetryPolicy(maxAttempts: 3, baseSeconds: 30, capSeconds: 6 * 3600))
        #expect(config.alertEvery == 5)
        #expect(config.retentionDays == 90)
    }

    @Test func retentionTakesWholeDaysOrOff() throws {
        #expect(try HeraldConfig(environment: Self.environment(["HERALD_RETENTION_DAYS": "30"])).retentionDays == 30)
        #expect(try HeraldConfig(environment: Self.environment(["HERALD_RETENTION_DAYS": "OFF"])).retentionDays == nil)
        #expect(try HeraldConfig(environment: Self.environment(["HERALD_RETENTION_DAYS": "0"])).retentionDays == nil)
    }

    @Test(arguments: [
        ("", "is not set"),
        ("not base64!!", "is not valid base64"),
        (Data(repeating: 7, count: 16).base64EncodedString(), "must decode to 32 bytes, not 16"),
        (Data(repeating: 0, count: 32).base64EncodedString(), "is too weak"),
        (Data("correct horse battery staple 123".utf8).base64EncodedString(), "is too weak"),
        (Data((0..<32).map { UInt8($0) }).base64EncodedString(), "is too weak"),
    ])
    func refusesAMissingOrWeakSecretKey(key: String, reason: String) {
        do {
            _ = try HeraldConfig(environment: Self.environment(["HERALD_SECRET_KEY": key]))
            Issue.record("a weak key was accepted")
        } catch {
            #expect(error.key == "HERALD_SECRET_KEY")
            #expect(error.description.contains(reason))
            #expect(error.description.contains("herald key generate"))
            if !key.isEmpty { #expect(!error.description.contains(key)) }
        }
    }

    @Test(arguments: ["postgresql://herald:p%40ss@db.example.org:5432/herald?sslmode=require",
                      "postgres:///herald?host=/run/postgresql", "postgresql://[::1]:5433/herald", "postgresql://herald@/herald"])
    func acceptsTheDatabaseURLsLibpqAccepts(url: String) throws {
        #expect(try HeraldConfig(environment: Self.environment(["HERALD_DATABASE_URL": url])).databaseURL == url)
    }

    @Test func metricsPortIsOffUnlessSet() throws {
        #expect(try HeraldConfig(environment: Self.environment([:])).metricsPort == nil)
        #expect(try HeraldConfig(environment: Self.environment(["HERALD_METRICS_PORT": "9464"])).metricsPort == 9464)
    }

    @Test func namesTheBadKey() {
        #expect(throws: ConfigError.self) { try HeraldConfig(environment: Self.environment(["HERALD_DATABASE_URL": ""])) }
        let cases: [(String, String)] = [
            ("HERALD_DATABASE_URL", "mysql://x"), ("HERALD_REDIS_URL", "http://x"), ("HERALD_LOG_LEVEL", "loud"),
            ("HERALD_WEB_THREADS", "0"), ("HERALD_BASE_URL", "not a url"), ("HERALD_WORKERS", "-1"),
            ("HERALD_LEASE_SECONDS", "0"), ("HERALD_RETRY_ATTEMPTS", "many"), ("HERALD_RETRY_BASE_SECONDS", "0"),
            ("HERALD_DRAIN_SECONDS", "-5"), ("HERALD_ALERT_EVERY", "0"), ("HERALD_RETENTION_DAYS", "3651"),
            ("HERALD_RETENTION_DAYS", "-1"), ("HERALD_RETENTION_DAYS", "never"), ("HERALD_DATABASE_URL", "postgresql://u:p@db:notaport/herald"),
            ("HERALD_DATABASE_URL", "postgresql://u:p%zz@db/herald"), ("HERALD_DATABASE_URL", "postgresql://db:99999/herald"),
            ("HERALD_DATABASE_URL", "postgresql://db/her ald"), ("HERALD_METRICS_PORT", "0"), ("HERALD_METRICS_PORT", "9464x"),
            ("HERALD_METRICS_PORT", "70000"),
        ]
        for (key, value) in cases {
            do {
                _ = try HeraldConfig(environment: Self.environment([key: value]))
                Issue.record("\(key)=\(value) was accepted")
            } catch {
                #expect(error.key == key)
            }
        }
    }
}

/// Delivery retries: exponential bounds, full jitter, a fixed number of attempts.
struct RetryPolicyTests {
    @Test func boundsDoubleUpToTheCapAndTheLastAttemptHasNoDelay() {
        let policy = RetryPolicy(maxAttempts: 4, baseSeconds: 30, capSeconds: 100)
        #expect([1, 2, 3, 4].map { policy.bound(afterAttempt: $0) } == [30, 60, 100, 100])
        #expect(policy.delay(afterAttempt: 1) { $0 } == 30)
        #expect(policy.delay(afterAttempt: 3) { $0 } == 100)
        #expect(policy.delay(afterAttempt: 4) { $0 } == nil)
    }

    @Test func fullJitterDrawsFromZeroToTheBound() {
        let policy = RetryPolicy(maxAttempts: 3, baseSeconds: 10)
        let delays = (0..<2000).compactMap { _ in policy.delay(afterAttempt: 2) }
        #expect(delays.count == 2000)
        #expect(delays.allSatisfy { (0...20).contains($0) })
        // Spread over the whole range, not clustered at the bound (that would be plain exponential backoff).
        #expect(delays.contains { $0 < 5 } && delays.contains { $0 > 15 })
    }
}
