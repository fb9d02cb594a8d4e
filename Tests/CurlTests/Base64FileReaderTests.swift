@testable import Curl
import Foundation
import XCTest

/// A file attached by `CurlMime.Part.base64FileData` is the same base64 as Foundation's, in 76-character lines joined
/// by CRLF, whatever the sizes of the file, of a block and of curl's reads, and again after a rewind.
final class Base64FileReaderTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "base64-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func readAll(_ reader: Base64FileReader, room: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: room)
        while true {
            let n = buffer.withUnsafeMutableBytes { reader.read(into: $0.baseAddress!, room: room) }
            XCTAssertGreaterThanOrEqual(n, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    func testEncodesLikeFoundationInLinesOf76WithCRLFForEverySizeAndReadSize() throws {
        let options: Data.Base64EncodingOptions = [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]
        for size in [0, 1, 2, 3, 56, 57, 58, 114, 1_000, 47_880, 47_881, 1_000_003] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 7) }
            let path = folder + "/f-\(size).bin"
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let expected = Array(Data(bytes).base64EncodedString(options: options).utf8)
            for (lines, room) in [(840, 65_536), (1, 7), (3, 1), (840, 2_097_152)] where size < 100_000 || room > 1 {
                let reader = try XCTUnwrap(Base64FileReader(path: path, linesPerBlock: lines))
                XCTAssertEqual(reader.encodedSize, Int64(expected.count), "size \(size)")
                XCTAssertEqual(readAll(reader, room: room), expected, "size \(size), \(lines) lines a block, reads of \(room)")
                XCTAssertTrue(reader.rewind())
                XCTAssertEqual(readAll(reader, room: room), expected, "size \(size) after a rewind")
            }
        }
    }

    func testAMissingFileIsNoReader() {
        XCTAssertNil(Base64FileReader(path: folder + "/missing.bin"))
    }
}
