import Foundation
import Redis

/// The Redis connection the metrics scrape reads stream lengths and breakers with: its own (a scrape never waits
/// on a worker's), opened on first use and again after a failure, one scrape at a time.
final class ScrapeConnection: @unchecked Sendable {
    private let redisURL: String
    private let lock = NSLock()
    private var redis: RedisConnection?

    init(redisURL: String) { self.redisURL = redisURL }

    func use<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        try lock.withLock {
            do {
                if redis == nil { redis = try RedisConnection(url: redisURL, connectTimeout: 1, commandTimeout: 2) }
                return try body(redis!)
            } catch {
                redis = nil
                throw error
            }
        }
    }
}

/// A value set once after the closures that read it were made (the pool exists only after its metrics).
final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
