import Crypto
import Testing

@Suite struct EncodingTests {
    @Test func encodesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
                       "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
            #expect(Base64URL.encode(Array(plain.utf8)) == String(encoded.filter { $0 != "=" }))
        }
    }

    @Test func usesTheURLSafeAlphabet() {
        #expect(Base64.encode([0xfb, 0xff]) == "+/8=")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
    }

    @Test func rejectsMalformedBase64() {
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("Zg==") == nil)
    }

    @Test func roundTripsHex() {
        let bytes = (0...255).map { UInt8($0) }
        let hex = Hex.encode(bytes)
        #expect(hex.hasPrefix("000102"))
        #expect(hex.hasSuffix("fdfeff"))
        #expect(Hex.decode(hex) == bytes)
        #expect(Hex.decode("ABcd") == [0xab, 0xcd])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
