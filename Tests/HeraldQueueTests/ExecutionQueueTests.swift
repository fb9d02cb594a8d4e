import Foundation
import Redis
import Testing
import TestSupport
@testable import HeraldQueue

/// The streams: one per priority, read highest first; entries of a dead consumer are reclaimed.
struct ExecutionQueueTests {
    func queue() throws -> ExecutionQueue {
        let queue = ExecutionQueue(redis: try RedisConnection(url: try TestEnvironment.isolatedRedisURL()))
        try queue.ensureGroups()
        return queue
    }

    @Test func higherPrioritiesAreReadFirst() throws {
        let queue = try queue()
        let ids = (0..<3).map { _ in UUID() }
        try queue.enqueue([(ids[0], 1), (ids[1], 9), (ids[2], 5)])
        var order: [UUID] = []
        for _ in 0..<3 { order += try queue.next(consumer: "test", blockMilliseconds: 100).map(\.executionID) }
        #expect(order == [ids[1], ids[2], ids[0]])
        #expect(try queue.next(consumer: "test", blockMilliseconds: 50).isEmpty)
    }

    @Test func entriesOfAStoppedConsumerAreReclaimedAndTouchedOnesAreNot() throws {
        let queue = try queue()
        let (abandoned, busy) = (UUID(), UUID())
        try queue.enqueue([(abandoned, 5), (busy, 5)])
        let dead = try queue.next(consumer: "dead", blockMilliseconds: 100)
        let alive = try queue.next(consumer: "alive", blockMilliseconds: 100)
        #expect(dead.map(\.executionID) == [abandoned])
        #expect(alive.map(\.executionID) == [busy])
        // Until both entries have been idle longer than the reclaim threshold below (bounded).
        let redis = queue.redis
        func idleMilliseconds(_ entry: ExecutionQueue.Entry) throws -> Int {
            let pending = try redis.command("XPENDING", .string(entry.stream), .string(ExecutionQueue.group), .string(entry.entryID),
                                            .string(entry.entryID), "1")
            return pending.array?.first?.array?[2].int ?? 0
        }
        let deadline = Date().addingTimeInterval(10)
        while try idleMilliseconds(dead[0]) < 250 || idleMilliseconds(alive[0]) < 250 {
            try #require(Date() < deadline, "the entries never became idle")
            usleep(20_000)
        }
        try queue.touch(alive, consumer: "alive")
        let taken = try queue.reclaim(consumer: "rescuer", minIdleMilliseconds: 200)
        #expect(taken.map(\.executionID) == [abandoned])
        try queue.ack(taken + alive)
        #expect(try queue.reclaim(consumer: "rescuer", minIdleMilliseconds: 0).isEmpty)
    }

    @Test func theEpochMarksWhetherRedisKeptItsData() throws {
        let url = try TestEnvironment.isolatedRedisURL()
        let redis = try RedisConnection(url: url)
        let queue = ExecutionQueue(redis: redis)
        #expect(try !queue.epochExists())
        try queue.setEpoch()
        #expect(try queue.epochExists())
        try redis.command("FLUSHDB")
        #expect(try !queue.epochExists())
    }
}

/// The circuit breaker opens after repeated failures against one host and closes after its pause.
struct CircuitBreakerTests {
    @Test func opensAfterTheThresholdAndOnlyForThatHost() throws {
        let breaker = CircuitBreaker(redis: try RedisConnection(url: try TestEnvironment.isolatedRedisURL()))
        breaker.threshold = 3
        breaker.openSeconds = 1
        #expect(breaker.openUntil("sftp.example.org") == nil)
        #expect(!breaker.recordFailure("sftp.example.org"))
        #expect(!breaker.recordFailure("sftp.example.org"))
        breaker.recordSuccess("sftp.example.org")   // a success resets the count
        #expect(!breaker.recordFailure("sftp.example.org"))
        #expect(!breaker.recordFailure("sftp.example.org"))
        #expect(breaker.recordFailure("sftp.example.org"))
        let until = try #require(breaker.openUntil("sftp.example.org"))
        #expect(until > Date() && until <= Date().addingTimeInterval(1.01))
        #expect(breaker.openUntil("other.example.org") == nil)
        // It closes by itself when its pause ends (waited for, with a bound).
        let deadline = Date().addingTimeInterval(5)
        while breaker.openUntil("sftp.example.org") != nil && Date() < deadline { usleep(20_000) }
        #expect(breaker.openUntil("sftp.example.org") == nil)
        #expect(Date() >= until.addingTimeInterval(-0.05), "it closed before its pause ended")
    }

}
