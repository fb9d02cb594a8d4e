import Curl
import Foundation
import TestSupport
import XCTest

/// The wrapper against libcurl itself: uploads read from a file, the protocol list, the connection filter.
final class CurlEasyTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "curl-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testUploadsAFileInChunksAndTwiceOnOneHandle() throws {
        let source = folder + "/source.bin"
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        FileManager.default.createFile(atPath: source, contents: Data(bytes))
        let easy = try CurlEasy()
        for name in ["a.bin", "b.bin"] {
            try easy.reset()
            try easy.protocols("file")
            try easy.url("file://" + folder + "/" + name)
            try easy.upload(fileAt: source)
            try easy.perform()
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)), Data(bytes))
            XCTAssertEqual(easy.uploadedBytes, Int64(bytes.count))
        }
    }

    /// Uploads go through the 2 MiB upload buffer (`CurlEasy.uploadBufferSize`): a file of several buffers and an odd
    /// tail, and one smaller than a buffer, arrive whole, so the larger reads lose or repeat nothing.
    func testUploadsLargerAndSmallerThanTheUploadBufferArriveWhole() throws {
        XCTAssertEqual(CurlEasy.uploadBufferSize, 2 * 1024 * 1024)
        let easy = try CurlEasy()
        for size in [2 * CurlEasy.uploadBufferSize + 12_345, CurlEasy.uploadBufferSize - 1, 1] {
            let source = folder + "/source-\(size).bin"
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
            FileManager.default.createFile(atPath: source, contents: Data(bytes))
            try easy.reset()
            try easy.protocols("file")
            try easy.url("file://" + folder + "/copy-\(size).bin")
            try easy.upload(fileAt: source)
            try easy.perform()
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/copy-\(size).bin")), Data(bytes), "\(size) bytes")
            XCTAssertEqual(easy.uploadedBytes, Int64(size))
        }
    }

    func testAProtocolOutsideTheListIsRefused() throws {
        let easy = try CurlEasy()
        try easy.protocols("https")
        try easy.url("gopher://127.0.0.1:70/")
        XCTAssertThrowsError(try easy.perform()) { error in
            let error = error as! CurlError
            XCTAssertEqual(error.code, 1, "CURLE_UNSUPPORTED_PROTOCOL")
            XCTAssertEqual(error.category, .protocol)
        }
    }

    func testTheConnectionFilterRefusesBeforeAnyPacket() throws {
        // A listener that counts connections: the filtered transfer must not reach it.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(listen(listener, 4), 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let easy = try CurlEasy()
        try easy.protocols("http")
        try easy.url("http://127.0.0.1:\(port)/")
        var seen: [[UInt8]] = []
        easy.filterConnections { bytes in
            seen.append(bytes)
            return "loopback is not allowed"
        }
        XCTAssertThrowsError(try easy.perform()) { error in
            XCTAssertEqual((error as! CurlError).category, .blocked)
            XCTAssertEqual((error as! CurlError).message, "loopback is not allowed")
        }
        XCTAssertEqual(seen, [[127, 0, 0, 1]])
        var pending = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&pending, 1, 200), 0, "nothing connected to the listener")
    }

    func testUploadsAByteRangeOfAFileAndAgainOnPerform() throws {
        let source = folder + "/range.bin"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        FileManager.default.createFile(atPath: source, contents: Data(bytes))
        let easy = try CurlEasy()
        try easy.protocols("file")
        try easy.url("file://" + folder + "/part.bin")
        try easy.upload(fileAt: source, offset: 70_000, length: 100_001)
        for _ in 0..<2 {
            try easy.perform()
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/part.bin")), Data(bytes[70_000..<170_001]))
        }
        XCTAssertThrowsError(try easy.upload(fileAt: source, offset: 150_000, length: 60_000))
    }

    func testConnectOnlyConnectsAndSendsNothing() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(listen(listener, 4), 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }

        let easy = try CurlEasy()
        try easy.protocols("http")
        try easy.url("http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/")
        try easy.connectOnly()
        try easy.perform()
        let connection = accept(listener, nil, nil)
        XCTAssertGreaterThanOrEqual(connection, 0, "curl connected")
        defer { close(connection) }
        var byte: UInt8 = 0
        XCTAssertEqual(recv(connection, &byte, 1, Int32(MSG_DONTWAIT)), -1, "no request was sent")
    }

    func testResponseHeaderLinesComeWithoutLineEnds() throws {
        let receiver = try DeliveryServers.httpReceiver()
        let easy = try CurlEasy()
        try easy.protocols("http")
        try easy.url(receiver.url(path: "/curl-headers-\(UUID().uuidString)").absoluteString)
        try easy.perform()
        XCTAssertTrue(easy.responseHeaders.contains { $0.lowercased().hasPrefix("content-length:") }, "\(easy.responseHeaders)")
        for line in easy.responseHeaders {
            XCTAssertFalse(line.unicodeScalars.contains { $0 == "\r" || $0 == "\n" }, "\(line.debugDescription)")
        }
    }

    func testLibcurlSpeaksEveryProtocolTheChannelsNeed() {
        let available = Set(CurlEasy.protocolsAvailable)
        for name in ["smtp", "smtps", "sftp", "ftp", "ftps", "http", "https"] {
            XCTAssertTrue(available.contains(name), "libcurl lacks \(name)")
        }
    }
}
