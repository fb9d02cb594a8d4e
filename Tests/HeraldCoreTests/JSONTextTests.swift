import Testing
@testable import HeraldCore

struct JSONTextTests {
    @Test func numbersAsJSONWritesThem() {
        for text in ["0", "-0", "12", "-12.50", "1e9", "1.5E-3", "0.25"] { #expect(JSONText.isNumber(text), "\(text)") }
        for text in ["", "-", "01", "1.", ".5", "NaN", "Infinity", "-Infinity", "1e", "1e+", "0x10", "1 ", "+1"] {
            #expect(!JSONText.isNumber(text), "\(text)")
        }
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharacters() {
        var bytes: [UInt8] = []
        JSONText.appendString("a\"b\\c\nd\u{1}é東", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\nd\u0001é東""#)
    }
}
