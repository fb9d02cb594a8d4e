import Foundation
import HeraldCore
import Testing
@testable import HeraldDelivery

struct LocalFolderChannelTests {
    func makeRoot() throws -> String {
        let root = NSTemporaryDirectory() + "herald-folder-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    @Test func deliversIntoDatedFoldersAndLeavesNoTemporaryFiles() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let channel = try LocalFolderChannel(root: root)
        let path = try channel.deliver(Array("a,b\r\n".utf8), fileName: "Sales.csv", localDate: (2026, 11, 23), stamp: "0700")
        #expect(path == root + "/2026/11/23/Sales.csv")
        #expect(FileManager.default.contents(atPath: path) == Data("a,b\r\n".utf8))
        let again = try channel.deliver(Array("new".utf8), fileName: "Sales.csv", localDate: (2026, 11, 23), stamp: "0701")
        #expect(again == path)
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/2026/11/23") == ["Sales.csv"])
    }

    @Test func timestampNamingKeepsTheOldFile() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let channel = try LocalFolderChannel(root: root, naming: .timestamp)
        _ = try channel.deliver([1], fileName: "r.csv", localDate: (2026, 1, 2), stamp: "a")
        let second = try channel.deliver([2], fileName: "r.csv", localDate: (2026, 1, 2), stamp: "20260102T070000")
        #expect(second.hasSuffix("/2026/01/02/r_20260102T070000.csv"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/2026/01/02").sorted() == ["r.csv", "r_20260102T070000.csv"])
    }

    @Test func refusesToEscapeTheRoot() throws {
        let root = try makeRoot()
        let outside = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: outside) }
        let channel = try LocalFolderChannel(root: root)
        for name in ["../escape.csv", "a/b.csv", "..", ".hidden", ""] {
            #expect(throws: DeliveryError.self) { try channel.deliver([1], fileName: name, localDate: (2026, 1, 1), stamp: "x") }
        }
        // A dated folder that is a symbolic link to elsewhere is refused, and nothing lands outside.
        try FileManager.default.createSymbolicLink(atPath: root + "/2027", withDestinationPath: outside)
        #expect(throws: DeliveryError.self) { try channel.deliver([1], fileName: "x.csv", localDate: (2027, 1, 1), stamp: "x") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(throws: ValidationError.self) { try LocalFolderChannel(root: "relative/path") }
    }
}

/// A kept artifact is copied into the destination in chunks, byte for byte, under the final name only.
struct LocalFolderCopyTests {
    @Test func aFileLargerThanOneChunkIsCopiedWhole() throws {
        let base = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-copy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let bytes = (0..<(200 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: base + "/artifact.xlsx"))
        let channel = try LocalFolderChannel(root: base + "/root", subfolder: "out")
        let path = try channel.deliver(fileAt: base + "/artifact.xlsx", fileName: "Sales.xlsx", localDate: (2026, 11, 23), stamp: "0700")
        #expect(path == base + "/root/out/2026/11/23/Sales.xlsx")
        #expect(FileManager.default.contents(atPath: path) == Data(bytes))
        #expect(try FileManager.default.contentsOfDirectory(atPath: base + "/root/out/2026/11/23") == ["Sales.xlsx"])
    }
}
