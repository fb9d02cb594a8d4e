import Crypto
import Testing

@Suite struct SecretBoxTests {
    let box: SecretBox

    init() throws { box = try SecretBox(key: SecretBox.generateKey()) }

    @Test func opensWhatItSealed() throws {
        let plaintext = Array("smtp password: hunter2".utf8)
        let sealed = box.seal(plaintext)
        #expect(sealed.count == 24 + 16 + plaintext.count)
        #expect(try box.open(sealed) == plaintext)
    }

    @Test func roundTripsEmptyAndBinaryPlaintexts() throws {
        #expect(try box.open(box.seal([])) == [])
        let binary = (0...255).map { UInt8($0) }
        #expect(try box.open(box.seal(binary)) == binary)
    }

    @Test func usesAFreshNonceForEverySeal() {
        let plaintext = Array("same".utf8)
        #expect(box.seal(plaintext) != box.seal(plaintext))
    }

    @Test func detectsAnyFlippedByte() throws {
        let sealed = box.seal(Array("do not touch".utf8))
        for index in [0, 23, 24, 39, sealed.count - 1] {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CryptoError.self) { try box.open(tampered) }
        }
    }

    @Test func refusesToOpenWithAnotherKey() throws {
        let other = try SecretBox(key: SecretBox.generateKey())
        #expect(throws: CryptoError.self) { try other.open(box.seal([1, 2, 3])) }
    }

    @Test func rejectsTooShortInput() {
        #expect(throws: CryptoError.self) { try box.open([]) }
        #expect(throws: CryptoError.self) { try box.open([UInt8](repeating: 0, count: 39)) }
    }

    @Test func rejectsKeysOfTheWrongLength() {
        for length in [0, 16, 31, 33, 64] {
            let error = #expect(throws: CryptoError.self) { try SecretBox(key: [UInt8](repeating: 7, count: length)) }
            #expect(error?.message.contains("32 bytes") == true)
        }
    }

    @Test func acceptsABase64KeyAndRejectsABadOne() throws {
        let key = SecretBox.generateKey()
        let fromBase64 = try SecretBox(base64Key: Base64.encode(key))
        let direct = try SecretBox(key: key)
        #expect(try direct.open(fromBase64.seal([42])) == [42])
        #expect(throws: CryptoError.self) { try SecretBox(base64Key: "not base64!") }
        #expect(throws: CryptoError.self) { try SecretBox(base64Key: Base64.encode([1, 2, 3])) }
    }

    @Test func errorMessagesNeverContainKeyOrPlaintext() throws {
        let key = [UInt8](repeating: 0x41, count: 31)  // "AAAA..."
        let error = #expect(throws: CryptoError.self) { try SecretBox(key: key) }
        #expect(error?.description.contains("AAAA") == false)
        var tampered = box.seal(Array("SECRETPLAINTEXT".utf8))
        tampered[30] ^= 0xff
        let openError = #expect(throws: CryptoError.self) { try box.open(tampered) }
        #expect(openError?.description.contains("SECRETPLAINTEXT") == false)
    }
}
