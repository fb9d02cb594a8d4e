import Redis
import Testing

@Suite struct RedisReconnectTests {
    /// Kills exactly one client by id. `CLIENT KILL TYPE normal` would also cut the connections of tests running in
    /// parallel on the shared server.
    private func kill(_ victim: RedisConnection, from killer: RedisConnection) throws {
        let id = try #require(try victim.command("CLIENT", "ID").int)
        #expect(try killer.command("CLIENT", "KILL", "ID", .int(id)) == .integer(1))
    }

    @Test func reconnectsOnTheCallAfterTheServerDroppedTheConnection() throws {
        let redis = try SharedRedis(database: 4)
        let key = redis.key("after-kill")
        try redis.connection.command("SET", .string(key), "kept")
        let firstID = try redis.connection.command("CLIENT", "ID").int
        try kill(redis.connection, from: try redis.another())

        do {
            try redis.connection.command("PING")
        } catch let error as RedisError {
            #expect(error.kind == .connectionLost)
            #expect(!redis.connection.isConnected)
        }
        #expect(try redis.connection.command("PING") == .status("PONG"))
        #expect(redis.connection.isConnected)
        #expect(try redis.connection.command("CLIENT", "ID").int != firstID)
        // SELECT was sent again: the key lives in database 4.
        #expect(try redis.connection.command("GET", .string(key)).string == "kept")
    }

    @Test func doesNotRetryTheCommandThatHitTheBrokenConnection() throws {
        let redis = try SharedRedis()
        let counter = redis.key("counter")
        try kill(redis.connection, from: try redis.another())

        let error = #expect(throws: RedisError.self) { try redis.connection.command("INCR", .string(counter)) }
        #expect(error?.kind == .connectionLost)
        #expect(try redis.connection.command("GET", .string(counter)) == .null)
        #expect(try redis.connection.command("INCR", .string(counter)) == .integer(1))
    }

    @Test func reportsAPipelineCutByTheServer() throws {
        let redis = try SharedRedis()
        try kill(redis.connection, from: try redis.another())
        let error = #expect(throws: RedisError.self) { try redis.connection.pipeline([["PING"], ["PING"]]) }
        #expect(error?.kind == .connectionLost)
        #expect(try redis.connection.pipeline([["PING"], ["PING"]]) == [.status("PONG"), .status("PONG")])
    }

    @Test func reconnectsAfterTheServerRestarts() throws {
        let server = try PrivateRedisServer()
        let connection = try RedisConnection(url: server.url, connectTimeout: 1)
        #expect(try connection.command("PING") == .status("PONG"))

        server.stop()
        let lost = #expect(throws: RedisError.self) { try connection.command("PING") }
        #expect(lost?.kind == .connectionLost)
        let refused = #expect(throws: RedisError.self) { try connection.command("PING") }
        #expect(refused?.kind == .connection)
        #expect(refused?.message.contains("Connection refused") == true)

        try server.start()
        #expect(try connection.command("PING") == .status("PONG"))
    }

    @Test func timesOutAReadWhenACommandTimeoutIsSet() throws {
        let redis = try SharedRedis()
        let connection = try RedisConnection(url: redis.connection.url, commandTimeout: 0.2)
        let error = #expect(throws: RedisError.self) {
            try connection.command("BLPOP", .string(redis.key("never")), "2")
        }
        #expect(error?.kind == .connectionLost)
        #expect(try connection.command("PING") == .status("PONG"))
    }

    @Test func reconnectsAfterAnExplicitDisconnect() throws {
        let redis = try SharedRedis()
        redis.connection.disconnect()
        #expect(!redis.connection.isConnected)
        #expect(try redis.connection.command("PING") == .status("PONG"))
    }
}
