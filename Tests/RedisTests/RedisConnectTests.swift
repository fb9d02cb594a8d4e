import Redis
import TestSupport
import Testing

@Suite struct RedisConnectTests {
    @Test func failsClearlyWhenNothingListens() {
        let port = freeLoopbackPort()
        let error = #expect(throws: RedisError.self) {
            try RedisConnection(url: "redis://127.0.0.1:\(port)", connectTimeout: 1)
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(error?.message.contains("Connection refused") == true)
    }

    @Test func authenticatesAndRejectsAWrongPassword() throws {
        let server = try PrivateRedisServer()
        try RedisConnection(url: server.url).command("CONFIG", "SET", "requirepass", "right-password-1")

        let wrong = #expect(throws: RedisError.self) {
            try RedisConnection(url: "redis://:not-the-password-7f3a@127.0.0.1:\(server.port)")
        }
        #expect(wrong?.kind == .connection)
        #expect(wrong?.message.contains("AUTH") == true)
        #expect(wrong?.message.contains("WRONGPASS") == true)
        #expect(wrong?.description.contains("not-the-password-7f3a") == false)

        let right = try RedisConnection(url: "redis://:right-password-1@127.0.0.1:\(server.port)")
        #expect(try right.command("PING") == .status("PONG"))
        let withUser = try RedisConnection(url: "redis://default:right-password-1@127.0.0.1:\(server.port)/1")
        #expect(try withUser.command("PING") == .status("PONG"))

        let anonymous = try RedisConnection(url: server.url)
        let noAuth = #expect(throws: RedisError.self) { try anonymous.command("PING") }
        #expect(noAuth?.kind == .reply)
        #expect(noAuth?.message.hasPrefix("NOAUTH") == true)
    }

    @Test func reauthenticatesAfterReconnecting() throws {
        let server = try PrivateRedisServer()
        try RedisConnection(url: server.url).command("CONFIG", "SET", "requirepass", "pw")
        let connection = try RedisConnection(url: "redis://:pw@127.0.0.1:\(server.port)/2")
        try connection.command("SET", "k", "v")
        let admin = try RedisConnection(url: "redis://:pw@127.0.0.1:\(server.port)")
        try admin.command("CLIENT", "KILL", "ID", .int(try #require(try connection.command("CLIENT", "ID").int)))
        _ = try? connection.command("PING")
        #expect(try connection.command("GET", "k").string == "v")
    }

    @Test func failsClearlyWhenTheDatabaseDoesNotExist() throws {
        let url = try RedisURL(parsing: TestEnvironment.redisURL())
        let error = #expect(throws: RedisError.self) {
            try RedisConnection(url: RedisURL(host: url.host, port: url.port, database: 100_000))
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("SELECT") == true)
    }
}
