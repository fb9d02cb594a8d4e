import Redis
import Testing

@Suite struct RedisCommandTests {
    let redis: SharedRedis

    init() throws { redis = try SharedRedis() }

    @Test func answersPingWithAStatus() throws {
        #expect(try redis.connection.command("PING") == .status("PONG"))
        #expect(redis.connection.isConnected)
    }

    @Test func roundTripsEveryByteValueIncludingNULAndInvalidUTF8() throws {
        let key = redis.key("binary")
        let value = (0...255).map { UInt8($0) }
        #expect(try redis.connection.command("SET", .string(key), .bytes(value)) == .status("OK"))
        #expect(try redis.connection.command("GET", .string(key)) == .bulk(value))
        #expect(try redis.connection.command("STRLEN", .string(key)) == .integer(256))
    }

    @Test func acceptsBinaryKeys() throws {
        let key = Array(redis.key("k").utf8) + [0, 0xff, 0x80]
        try redis.connection.command("SET", .bytes(key), "v")
        #expect(try redis.connection.command("GET", .bytes(key)).string == "v")
        #expect(try redis.connection.command("GET", .bytes(Array(key.dropLast()))) == .null)
    }

    @Test func roundTripsAOneMegabyteValue() throws {
        let key = redis.key("large")
        let value = (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try redis.connection.command("SET", .string(key), .bytes(value))
        #expect(try redis.connection.command("STRLEN", .string(key)).int == 1_048_576)
        #expect(try redis.connection.command("GET", .string(key)).bytes == value)
    }

    @Test func roundTripsEmptyStrings() throws {
        let key = redis.key("empty")
        try redis.connection.command("SET", .string(key), "")
        #expect(try redis.connection.command("GET", .string(key)) == .bulk([]))
    }

    @Test func returnsIntegersAndNulls() throws {
        let key = redis.key("counter")
        #expect(try redis.connection.command("GET", .string(key)) == .null)
        #expect(try redis.connection.command("INCR", .string(key)) == .integer(1))
        #expect(try redis.connection.command("INCRBY", .string(key), 41) == .integer(42))
        #expect(try redis.connection.command("GET", .string(key)).int == 42)
        #expect(try redis.connection.command("INCRBYFLOAT", .string(key), RedisArgument(0.5)).string == "42.5")
        #expect(try redis.connection.command("EXISTS", .string(key), .string(redis.key("none"))) == .integer(1))
    }

    @Test func returnsArraysForListsAndHashes() throws {
        let list = redis.key("list")
        #expect(try redis.connection.command("RPUSH", .string(list), "a", "b", "c") == .integer(3))
        #expect(try redis.connection.command("LRANGE", .string(list), 0, -1)
            == .array([.bulk(Array("a".utf8)), .bulk(Array("b".utf8)), .bulk(Array("c".utf8))]))
        #expect(try redis.connection.command("LRANGE", .string(redis.key("nolist")), 0, -1) == .array([]))

        let hash = redis.key("hash")
        try redis.connection.command("HSET", .string(hash), "field", "value", "n", 1)
        let pairs = try #require(try redis.connection.command("HGETALL", .string(hash)).array)
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: pairs.count, by: 2) { fields[pairs[index].string!] = pairs[index + 1].string }
        #expect(fields == ["field": "value", "n": "1"])
    }

    @Test func keepsNullsInsideArrays() throws {
        let key = redis.key("present")
        try redis.connection.command("SET", .string(key), "x")
        #expect(try redis.connection.command("MGET", .string(key), .string(redis.key("absent")))
            == .array([.bulk(Array("x".utf8)), .null]))
    }

    @Test func readsNestedStreamReplies() throws {
        let stream = redis.key("stream")
        let id = try #require(try redis.connection.command("XADD", .string(stream), "*", "execution", "42").string)
        #expect(id.contains("-"))
        let entries = try redis.connection.command("XRANGE", .string(stream), "-", "+")
        #expect(entries == .array([.array([.bulk(Array(id.utf8)), .array([.bulk(Array("execution".utf8)),
                                                                            .bulk(Array("42".utf8))])])]))
    }

    @Test func throwsTheServersMessageForAnErrorReply() throws {
        let key = redis.key("text")
        try redis.connection.command("SET", .string(key), "not a number")
        let error = #expect(throws: RedisError.self) { try redis.connection.command("INCR", .string(key)) }
        #expect(error?.kind == .reply)
        #expect(error?.command == "INCR")
        #expect(error?.message == "ERR value is not an integer or out of range")
        #expect(try redis.connection.command("PING") == .status("PONG"))
        #expect(redis.connection.isConnected)
    }

    @Test func throwsWrongTypeErrors() throws {
        let key = redis.key("string")
        try redis.connection.command("SET", .string(key), "x")
        let error = #expect(throws: RedisError.self) { try redis.connection.command("LPUSH", .string(key), "y") }
        #expect(error?.kind == .reply)
        #expect(error?.message.hasPrefix("WRONGTYPE") == true)
    }

    @Test func throwsForAnUnknownCommandWithoutEchoingItsArguments() throws {
        let error = #expect(throws: RedisError.self) {
            try redis.connection.command("NOSUCHCOMMAND", "secret-value-123")
        }
        #expect(error?.kind == .reply)
        #expect(error?.message.contains("unknown command") == true)
        #expect(error?.description.contains("secret-value-123") == false)
        #expect(error?.description.contains("NOSUCHCOMMAND") == true)
    }

    @Test func neverPutsArgumentValuesInErrorDescriptions() throws {
        let error = #expect(throws: RedisError.self) { try redis.connection.command("SET", "password-value") }
        #expect(error?.message.contains("wrong number of arguments") == true)
        #expect(error?.description.contains("password-value") == false)
        let misplaced = #expect(throws: RedisError.self) { try redis.connection.command("hunter2 value!", "x") }
        #expect(misplaced?.command == nil)
        #expect(misplaced?.description.contains("hunter2") == false)
    }

    @Test func rejectsAnEmptyCommandWithoutTouchingTheConnection() throws {
        let error = #expect(throws: RedisError.self) { try redis.connection.command([]) }
        #expect(error?.kind == .protocolError)
        #expect(try redis.connection.command("PING") == .status("PONG"))
    }

    @Test func selectsTheDatabaseFromTheURL() throws {
        let inDatabase3 = try SharedRedis(database: 3)
        let key = inDatabase3.key("db")
        try inDatabase3.connection.command("SET", .string(key), "three")
        #expect(try inDatabase3.another(database: 0).command("GET", .string(key)) == .null)
        #expect(try inDatabase3.another(database: 3).command("GET", .string(key)).string == "three")
    }

    @Test func waitsForBlockingReadsLongerThanTheConnectTimeout() throws {
        let connection = try RedisConnection(url: redis.connection.url, connectTimeout: 0.3)
        #expect(try connection.command("BLPOP", .string(redis.key("never")), "0.8") == .null)
    }
}
