import Foundation
import HeraldCore
import Testing
@testable import HeraldWeb

/// `JSONWriter` must say what Foundation's encoder (snake_case keys, ISO-8601 dates) says, compared as parsed JSON,
/// and its bytes must always parse.
struct JSONWriterTests {
    struct Inner: Codable, Equatable { let urlString: String; let count: Int }
    enum Tone: String, Codable { case pass, fail }
    struct Outer: Codable {
        let id: UUID
        let reportId: UUID
        let name: String
        let note: String?
        let missing: String?
        let paused: Bool
        let priority: Int
        let bytes: Int64
        let ratio: Double
        let whole: Double
        let at: Date
        let tone: Tone
        let tags: [String]
        let inners: [Inner]
        let nested: [[Int]]
        let parameters: [String: String]
        let myURL: URL
        let checksum: UInt64
        let small: Int8
        let single: Float
    }
    /// A hand-written `encode(to:)` that writes a member after a nested container and a `null` on purpose.
    struct Handwritten: Encodable {
        func encode(to encoder: any Encoder) throws {
            enum Key: String, CodingKey { case first, lastRun, after }
            var c = encoder.container(keyedBy: Key.self)
            var nested = c.nestedContainer(keyedBy: Key.self, forKey: .first)
            try nested.encode([1, 2], forKey: .after)
            try c.encodeNil(forKey: .lastRun)
            try c.encode("x", forKey: .after)
        }
    }
    struct Empty: Encodable {}

    func foundation(_ value: some Encodable) throws -> Any {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return try JSONSerialization.jsonObject(with: encoder.encode(value), options: .fragmentsAllowed)
    }

    func ours(_ value: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(JSONWriter.encode(value)), options: .fragmentsAllowed)
    }

    func canonical(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func saysWhatFoundationSays() throws {
        let value = Outer(
            id: UUID(), reportId: UUID(), name: "quote \" backslash \\ slash / tab \t newline \n bell \u{7} é 😀",
            note: "a note", missing: nil, paused: true, priority: -3, bytes: 1 << 40, ratio: 0.125, whole: 3,
            at: Date(timeIntervalSince1970: 1_764_662_400.75), tone: .fail, tags: ["a", ""],
            inners: [Inner(urlString: "https://x.test/a?b=c", count: 1), Inner(urlString: "", count: 0)],
            nested: [[], [1, 2]], parameters: ["fromDate": "2026-01-01", "region": "EU"], myURL: URL(string: "https://h.test/p")!,
            checksum: .max, small: -8, single: 0.5)
        let expected = try foundation(value) as! [String: Any]
        let actual = try ours(value) as! [String: Any]
        // Foundation converts the keys of a [String: V] too; ours keeps them, as they are data.
        var expectedKeptKeys = expected
        expectedKeptKeys["parameters"] = ["fromDate": "2026-01-01", "region": "EU"]
        #expect(try canonical(actual) == canonical(expectedKeptKeys))
        #expect(actual["report_id"] as? String == value.reportId.uuidString)
        #expect(actual["at"] as? String == "2025-12-02T08:00:00Z")
        #expect(actual["my_url"] as? String == "https://h.test/p")
        #expect(actual["missing"] == nil)
        #expect(actual["whole"] as? Int == 3)
        #expect(String(decoding: try JSONWriter.encode(UInt64.max), as: UTF8.self) == "18446744073709551615")
    }

    @Test func keepsTheOrderOfAHandwrittenEncodeAndItsNulls() throws {
        let text = String(decoding: try JSONWriter.encode(Handwritten()), as: UTF8.self)
        #expect(text == #"{"first":{"after":[1,2]},"last_run":null,"after":"x"}"#)
    }

    @Test func writesTopLevelValuesAndEmptyThings() throws {
        #expect(String(decoding: try JSONWriter.encode(Empty()), as: UTF8.self) == "{}")
        #expect(String(decoding: try JSONWriter.encode([Empty(), Empty()]), as: UTF8.self) == "[{},{}]")
        #expect(String(decoding: try JSONWriter.encode([String]()), as: UTF8.self) == "[]")
        #expect(String(decoding: try JSONWriter.encode([String: Int]()), as: UTF8.self) == "{}")
        #expect(String(decoding: try JSONWriter.encode("a\u{0}b"), as: UTF8.self) == #""a\u0000b""#)
        #expect(String(decoding: try JSONWriter.encode(Optional<Int>.none), as: UTF8.self) == "null")
        #expect(String(decoding: try JSONWriter.encode(["b": 2, "a": 1]), as: UTF8.self) == #"{"a":1,"b":2}"#)
    }

    @Test func convertsKeysAsFoundationDoes() throws {
        struct Keys: Encodable {
            let plain = 1, reportId = 2, destinationIDs = 3, s3Bucket = 5, already_snake = 6, x = 7
        }
        let expected = try foundation(Keys()) as! [String: Any]
        let actual = try ours(Keys()) as! [String: Any]
        #expect(Set(actual.keys) == Set(expected.keys))
        let plain = try JSONSerialization.jsonObject(with: Data(JSONWriter.encode(Keys(), snakeCaseKeys: false))) as! [String: Any]
        #expect(plain["reportId"] as? Int == 2)
    }

    @Test func refusesWhatIsNotJSON() {
        #expect(throws: EncodingError.self) { try JSONWriter.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONWriter.encode(["x": Double.infinity]) }
    }
}
