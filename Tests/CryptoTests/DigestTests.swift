import Foundation
import Crypto
import Testing

@Suite struct DigestTests {
    @Test func hashesABCToTheFIPSVector() {
        #expect(Hex.encode(Digest.sha256(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hashesAByteRangeOfAFileLikeTheSameBytesInMemory() throws {
        let path = NSTemporaryDirectory() + "digest-range-\(UUID().uuidString)"
        let bytes = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Digest.sha256(contentsOf: path, offset: 10_000, length: 100_000) == Digest.sha256(Array(bytes[10_000..<110_000])))
        #expect(try Digest.sha256(contentsOf: path, offset: 0, length: 0) == Digest.sha256([]))
        #expect(throws: CryptoError.self) { try Digest.sha256(contentsOf: path, offset: 100_000, length: 60_000) }
    }

    @Test func hashesTheEmptyInput() {
        #expect(Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func matchesRFC4231TestCase2() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func matchesRFC4231TestCase6WithAKeyLongerThanABlock() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let message = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(Hex.encode(Digest.hmacSHA256(key: key, message: message))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func comparesInConstantTime() {
        #expect(Digest.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!Digest.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!Digest.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(Digest.constantTimeEqual([], []))
        #expect(!Digest.constantTimeEqual([], [0]))
    }
}

/// A file's digest, read in chunks, equals the digest of its bytes at once (sizes around the chunk boundary).
struct FileDigestTests {
    @Test(arguments: [0, 1, 65_536, 65_537, 200_000])
    func aFilesDigestEqualsItsBytesDigest(size: Int) throws {
        let path = NSTemporaryDirectory() + "herald-digest-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try Digest.sha256(contentsOf: path) == Digest.sha256(bytes))
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: CryptoError.self) { try Digest.sha256(contentsOf: "/nonexistent/herald-digest") }
    }
}
