import Testing
import Crypto

/// The digest `if_changed` delivery compares: the same result gives the same digest, any change a different one.
struct ResultDigestTests {
    func digest(_ columns: [String], _ rows: [[String?]]) -> [UInt8] {
        var digest = ResultDigest()
        digest.begin(columns: columns)
        for row in rows { digest.append(row) }
        return digest.finalize()
    }

    @Test func theSameRowsGiveTheSameDigest() {
        let rows: [[String?]] = [["EU", "1204.50"], ["US", nil]]
        #expect(digest(["region", "amount"], rows) == digest(["region", "amount"], rows))
        #expect(digest(["region", "amount"], rows).count == 32)
    }

    @Test func anyChangeGivesADifferentDigest() {
        let base = digest(["region", "amount"], [["EU", "1"], ["US", "2"]])
        #expect(digest(["region", "amount"], [["EU", "1"], ["US", "3"]]) != base)
        #expect(digest(["region", "total"], [["EU", "1"], ["US", "2"]]) != base)
        #expect(digest(["region", "amount"], [["US", "2"], ["EU", "1"]]) != base)
        #expect(digest(["region", "amount"], [["EU", "1"]]) != base)
        #expect(digest(["a"], [[nil]]) != digest(["a"], [[""]]))
        #expect(digest(["a", "b"], [["ab", "c"]]) != digest(["a", "b"], [["a", "bc"]]))
        #expect(digest(["a"], [["x"], ["y"]]) != digest(["a"], [["x", "y"]]))
        #expect(digest([], []) != digest(["a"], []))
    }

    @Test func theIncrementalHashMatchesTheOneShotHash() {
        var hasher = SHA256Hasher()
        hasher.update(Array("hello ".utf8))
        hasher.update([])
        hasher.update(Array("world".utf8))
        #expect(hasher.finalize() == Digest.sha256(Array("hello world".utf8)))
        #expect(Hex.encode(Digest.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
