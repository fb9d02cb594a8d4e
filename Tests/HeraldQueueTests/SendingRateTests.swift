import Foundation
import Redis
import Testing
import TestSupport
@testable import HeraldQueue

/// A mail server's per-minute allowance is shared through Redis: two workers (two connections) together send no more
/// than the limit in one minute, the next minute starts afresh, and a refused batch takes nothing.
struct SendingRateTests {
    @Test func twoWorkersShareOneAllowancePerMinute() throws {
        let url = try TestEnvironment.redisURL()
        let first = SendingRate(redis: try RedisConnection(url: url), perMinute: 5)
        let second = SendingRate(redis: try RedisConnection(url: url), perMinute: 5)
        let host = "smtp:\(UUID().uuidString)"
        let minute = Date(timeIntervalSince1970: TimeInterval((Int64(Date().timeIntervalSince1970) / 60 + 10) * 60))
        #expect(first.admit(host, messages: 3, now: minute) == nil)
        #expect(second.admit(host, messages: 2, now: minute) == nil)
        let wait = second.admit(host, messages: 1, now: minute)
        #expect(wait == minute.addingTimeInterval(60))
        // Refused sends took nothing: still exactly five used.
        let used = try RedisConnection(url: url).command("GET", .string(RedisKeys.sendingRate(host: host, minute: Int64(minute.timeIntervalSince1970) / 60))).string
        #expect(used == "5")
        #expect(first.admit(host, messages: 1, now: minute.addingTimeInterval(60)) == nil)
        // A batch larger than the whole allowance goes alone at the start of a minute.
        #expect(first.admit(host + "-big", messages: 9, now: minute) == nil)
        #expect(first.admit(host + "-big", messages: 1, now: minute) != nil)
        #expect(SendingRate(redis: try RedisConnection(url: url), perMinute: 0).admit(host, messages: 100, now: minute) == nil)
    }
}
