import Redis
import Testing

@Suite struct RedisPipelineTests {
    let redis: SharedRedis

    init() throws { redis = try SharedRedis() }

    @Test func returnsAThousandRepliesInOrderWithAnErrorKeptInPlace() throws {
        let text = redis.key("text")
        try redis.connection.command("SET", .string(text), "abc")
        let commands: [[RedisArgument]] = (0..<1000).map { index in
            index == 500 ? ["INCR", .string(text)] : ["ECHO", .int(index)]
        }
        let replies = try redis.connection.pipeline(commands)
        #expect(replies.count == 1000)
        for (index, reply) in replies.enumerated() where index != 500 {
            #expect(reply == .bulk(Array(String(index).utf8)), "reply \(index)")
        }
        #expect(replies[500] == .error("ERR value is not an integer or out of range"))
        #expect(try redis.connection.command("PING") == .status("PONG"))
    }

    @Test func appliesWritesInOrder() throws {
        let list = redis.key("list")
        let commands: [[RedisArgument]] = (1...100).map { ["RPUSH", .string(list), .int($0)] }
            + [["LRANGE", .string(list), 0, 2], ["NOSUCHCOMMAND"], ["LLEN", .string(list)]]
        let replies = try redis.connection.pipeline(commands)
        #expect(Array(replies.prefix(100)) == (1...100).map { RedisReply.integer($0) })
        #expect(replies[100] == .array([.bulk(Array("1".utf8)), .bulk(Array("2".utf8)), .bulk(Array("3".utf8))]))
        #expect(replies[101].errorMessage?.contains("unknown command") == true)
        #expect(replies[102] == .integer(100))
    }

    @Test func carriesBinaryAndLargeValues() throws {
        let key = redis.key("large")
        let value = (0..<300_000).map { UInt8(truncatingIfNeeded: $0) }
        let replies = try redis.connection.pipeline([["SET", .string(key), .bytes(value)], ["GET", .string(key)]])
        #expect(replies == [.status("OK"), .bulk(value)])
    }

    @Test func returnsNothingForAnEmptyPipeline() throws {
        #expect(try redis.connection.pipeline([]) == [])
    }

    @Test func rejectsAnEmptyCommandBeforeSendingAnything() throws {
        let key = redis.key("untouched")
        let error = #expect(throws: RedisError.self) {
            try redis.connection.pipeline([["SET", .string(key), "1"], []])
        }
        #expect(error?.kind == .protocolError)
        #expect(try redis.connection.command("GET", .string(key)) == .null)
    }
}
