import Foundation
import Redis
import Testing
import TestSupport
@testable import HeraldQueue

@Suite(.serialized)
struct HeartbeatRegistryTests {
    func beat(_ id: String, at date: Date) -> Heartbeat {
        Heartbeat(id: id, role: "scheduler", version: "test", host: "h", pid: 1, startedAt: date, beatAt: date, inFlight: 0)
    }

    @Test func newestReturnsTheLatestBeatAndTheKeyExpires() throws {
        let redis = try RedisConnection(url: try TestEnvironment.redisURL())
        let id = "test:\(UUID().uuidString)"
        let now = Date()
        try HeartbeatRegistry.beat(beat(id, at: now.addingTimeInterval(3600)), on: redis)
        defer { try? HeartbeatRegistry.remove(id: id, on: redis) }
        let newest = try #require(try HeartbeatRegistry.newest(on: redis))
        #expect(newest.id == id)
        #expect(abs(newest.at.timeIntervalSince(now.addingTimeInterval(3600))) < 0.01)
        let ttl = try redis.command("TTL", .string("herald:heartbeat:\(id)")).int ?? -1
        #expect((1...HeartbeatRegistry.ttlSeconds).contains(ttl))
        let json = try #require(try redis.command("GET", .string("herald:heartbeat:\(id)")).string)
        #expect(json.contains("\"role\":\"scheduler\""))
    }

    @Test func removeForgetsTheProcess() throws {
        let redis = try RedisConnection(url: try TestEnvironment.redisURL())
        let id = "test:\(UUID().uuidString)"
        try HeartbeatRegistry.beat(beat(id, at: Date().addingTimeInterval(7200)), on: redis)
        try HeartbeatRegistry.remove(id: id, on: redis)
        #expect(try redis.command("EXISTS", .string("herald:heartbeat:\(id)")).int == 0)
        #expect(try redis.command("ZSCORE", .string(HeartbeatRegistry.setKey), .string(id)) == .null)
    }
}
