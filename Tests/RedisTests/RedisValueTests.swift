import Redis
import Testing

@Suite struct RedisValueTests {
    @Test func argumentsBecomeTheirWireBytes() {
        #expect(RedisArgument("é").bytes == [0xc3, 0xa9])
        #expect(RedisArgument(-42).bytes == Array("-42".utf8))
        #expect(RedisArgument(1.5).bytes == Array("1.5".utf8))
        #expect(RedisArgument([0, 255]).bytes == [0, 255])
        let literal: RedisArgument = "GET"
        let number: RedisArgument = 7
        #expect(literal == .string("GET"))
        #expect(number == .int(7))
    }

    @Test func repliesExposeTypedAccessors() {
        #expect(RedisReply.bulk(Array("hi".utf8)).string == "hi")
        #expect(RedisReply.bulk([0xff, 0xfe]).string == nil)
        #expect(RedisReply.bulk([0xff, 0xfe]).bytes == [0xff, 0xfe])
        #expect(RedisReply.status("OK").string == "OK")
        #expect(RedisReply.integer(3).int == 3)
        #expect(RedisReply.bulk(Array("12".utf8)).int == 12)
        #expect(RedisReply.null.string == nil)
        #expect(RedisReply.null.isNull)
        #expect(RedisReply.array([.null]).array == [.null])
        #expect(RedisReply.error("ERR x").errorMessage == "ERR x")
        #expect(RedisReply.error("ERR x").string == nil)
    }

    @Test func errorDescriptionNamesKindAndCommand() {
        let error = RedisError(kind: .reply, message: "ERR boom", command: "SET")
        #expect(error.description == "Redis reply (SET): ERR boom")
    }
}
