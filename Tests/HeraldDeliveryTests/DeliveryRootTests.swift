import Foundation
import HeraldCore
import Testing
@testable import HeraldDelivery

/// A folder destination's path is a sub-folder of the delivery root; rows stored before that rule (an absolute path,
/// one with `..`) fail permanently at delivery, and nothing is written anywhere.
struct DeliveryRootTests {
    let root = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-root-\(UUID().uuidString.prefix(8))"
    let context = DeliveryContext(reportName: "Sales", localDateTime: "2026-03-29 07:00:00", executionID: UUID())
    let source = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-artifact-\(UUID().uuidString.prefix(8)).csv"
    var file: RenderedFile { RenderedFile(path: source, format: "csv") }

    init() throws { try Data("a\r\n".utf8).write(to: URL(fileURLWithPath: source)) }

    @Test func aRelativeSubfolderIsDeliveredUnderTheRoot() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let channel = try DeliveryChannels.make(kind: "folder", settingsJSON: #"{"path":"team/out"}"#, environment: ChannelEnvironment(deliveryRoot: root))
        let path = try channel.deliver([file], context: context)
        #expect(path.hasPrefix(root + "/team/out/2026/03/29/"), "\(path)")
        #expect(FileManager.default.contents(atPath: path) == Data("a\r\n".utf8))
    }

    @Test func anOldAbsoluteOrEscapingPathFailsPermanently() throws {
        let outside = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-outside-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        for path in [outside, "../herald-outside", "a/../../b", ""] {
            let json = String(decoding: try JSONEncoder().encode(["path": path]), as: UTF8.self)
            let error = #expect(throws: DeliveryError.self, "\(path)") {
                _ = try DeliveryChannels.make(kind: "folder", settingsJSON: json, environment: ChannelEnvironment(deliveryRoot: root))
            }
            #expect(error?.permanent == true)
        }
        #expect(!FileManager.default.fileExists(atPath: outside))
    }

    @Test func aSymbolicLinkInTheSubfolderIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let outside = (NSTemporaryDirectory() as NSString).standardizingPath + "/herald-target-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: outside)
        let channel = try DeliveryChannels.make(kind: "folder", settingsJSON: #"{"path":"link/x"}"#, environment: ChannelEnvironment(deliveryRoot: root))
        #expect(throws: DeliveryError.self) { try channel.deliver([file], context: context) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }
}
