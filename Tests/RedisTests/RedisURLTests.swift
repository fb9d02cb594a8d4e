import Redis
import Testing

@Suite struct RedisURLTests {
    @Test func defaultsPortAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://localhost")
        #expect(url == RedisURL(host: "localhost", port: 6379, database: 0))
        #expect(try RedisURL(parsing: "redis://localhost/") == url)
    }

    @Test func readsHostPortDatabaseAndPassword() throws {
        let url = try RedisURL(parsing: "redis://:s3cr%40t@cache.internal:6380/5")
        #expect(url.host == "cache.internal")
        #expect(url.port == 6380)
        #expect(url.database == 5)
        #expect(url.username == nil)
        #expect(url.password == "s3cr@t")
    }

    @Test func readsAnACLUsername() throws {
        let url = try RedisURL(parsing: "redis://herald:pw@127.0.0.1:56379/2")
        #expect(url.username == "herald")
        #expect(url.password == "pw")
    }

    @Test func readsAPasswordWithoutColon() throws {
        #expect(try RedisURL(parsing: "redis://secret@h").password == "secret")
    }

    @Test func readsABracketedIPv6Host() throws {
        let url = try RedisURL(parsing: "redis://[::1]:7000/1")
        #expect(url.host == "::1")
        #expect(url.port == 7000)
        #expect(url.database == 1)
    }

    @Test func acceptsAnUppercaseScheme() throws {
        #expect(try RedisURL(parsing: "REDIS://h:1").port == 1)
    }

    @Test(arguments: [
        ("localhost:6379", "no scheme"),
        ("http://localhost", "scheme 'http'"),
        ("rediss://localhost", "TLS"),
        ("redis://", "no host"),
        ("redis://:pw@:6379", "no host"),
        ("redis://h:0", "port '0'"),
        ("redis://h:70000", "port '70000'"),
        ("redis://h:abc", "port 'abc'"),
        ("redis://h/x", "database 'x'"),
        ("redis://h/-1", "database '-1'"),
        ("redis://h?db=1", "query"),
        ("redis://:%zz@h", "percent-escape"),
        ("redis://[::1", "closing ]"),
    ])
    func rejectsABadURLWithAClearMessage(url: String, expected: String) {
        let error = #expect(throws: RedisError.self) { try RedisURL(parsing: url) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("invalid Redis URL") == true)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func neverPrintsThePassword() throws {
        let url = try RedisURL(parsing: "redis://:hunter2@h:1/2")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description == "redis://:***@h:1/2")
        let error = #expect(throws: RedisError.self) { try RedisURL(parsing: "redis://:hunter2@h:bad") }
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func connectionInitRejectsABadURLBeforeConnecting() {
        let error = #expect(throws: RedisError.self) { try RedisConnection(url: "redis://h:notaport") }
        #expect(error?.kind == .connection)
    }
}
