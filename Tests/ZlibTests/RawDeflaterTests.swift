import Testing
import Zlib

/// The deflater's output is checked by inflating it with Python's zlib in the zip tests (HeraldRenderTests); here,
/// what needs no second reader: CRC-32 against known values and the deflater's own bookkeeping.
struct RawDeflaterTests {
    @Test func crc32MatchesTheKnownCheckValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test func crc32OverChunksEqualsCRC32OverTheWhole() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var whole = CRC32()
        whole.update(bytes)
        var chunked = CRC32()
        for start in stride(from: 0, to: bytes.count, by: 777) { chunked.update(bytes[start..<min(start + 777, bytes.count)]) }
        #expect(chunked.value == whole.value)
        #expect(CRC32().value == 0)
    }

    @Test func repetitiveInputShrinksAndAResetStreamGivesTheSameBytes() throws {
        let deflater = try RawDeflater()
        let input = Array(String(repeating: "id,name,amount\r\n", count: 10_000).utf8)
        var first: [UInt8] = []
        for start in stride(from: 0, to: input.count, by: 4096) {
            try deflater.compress(input[start..<min(start + 4096, input.count)], into: &first)
        }
        try deflater.finish(into: &first)
        #expect(first.count < input.count / 50)
        try deflater.reset()
        var second: [UInt8] = []
        try deflater.compress(input[...], into: &second)
        try deflater.finish(into: &second)
        #expect(second == first)
    }

    @Test func anEmptyInputIsOneFinalBlock() throws {
        let deflater = try RawDeflater()
        var out: [UInt8] = []
        try deflater.finish(into: &out)
        // An empty fixed-Huffman final block: 0x03 0x00.
        #expect(out == [0x03, 0x00])
    }

    @Test func theBoundCoversIncompressibleInput() throws {
        let deflater = try RawDeflater()
        #expect(deflater.bound(forInputOf: 1_000_000) > 1_000_000)
        #expect(deflater.bound(forInputOf: 0xFFFF_0000) >= 0xFFFF_FFFF)
    }
}
