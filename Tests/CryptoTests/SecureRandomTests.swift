import Crypto
import Testing

@Suite struct SecureRandomTests {
    static let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test func drawsTheRequestedNumberOfBytes() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(1).count == 1)
        #expect(SecureRandom.bytes(1000).count == 1000)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }

    @Test func makesBase64URLTokensWithoutPadding() {
        let token = SecureRandom.token()
        #expect(token.count == 43)
        #expect(token.allSatisfy(Self.alphabet.contains))
        #expect(SecureRandom.token(byteCount: 16).count == 22)
        #expect(Base64URL.decode(token)?.count == 32)
    }

    @Test func neverRepeatsATokenOverAThousandDraws() {
        let tokens = (0..<1000).map { _ in SecureRandom.token() }
        #expect(Set(tokens).count == 1000)
        #expect(tokens.allSatisfy { $0.count == 43 && $0.allSatisfy(Self.alphabet.contains) })
    }
}
