import Foundation
import HeraldCore
import HeraldDelivery
import TestSupport

/// What the webhook, object storage and Azure tests share: environments with and without loopback allowed, a run's
/// context, report files on disk, and channels built from settings the way the scheduler builds them.
enum ChannelFixture {
    static func environment(allowLoopback: Bool = true, transferTimeout: Double = 60) throws -> ChannelEnvironment {
        ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), outbound: allowLoopback ? try OutboundPolicy(allowList: "127.0.0.1") : .none,
                           trustedCertificates: try TestEnvironment.require("HERALD_TEST_SMTP_CA"), connectTimeout: 5, transferTimeout: transferTimeout)
    }

    static func context(reportName: String = "Sales", files: [String: String] = [:]) -> DeliveryContext {
        var context = DeliveryContext(reportName: reportName, scheduleName: "Daily", localDateTime: "2026-11-23 07:00:00", executionID: UUID())
        context.scheduledFor = "2026-11-23T06:00:00Z"
        context.scheduleID = UUID()
        context.rowCount = 42
        context.deliveryKey = "\(context.executionID.uuidString.lowercased()):dest:webhook"
        context.fileNames = files
        return context
    }

    /// A file with `bytes` in a fresh temporary folder.
    static func file(_ bytes: [UInt8], format: String) throws -> RenderedFile {
        let folder = NSTemporaryDirectory() + "channel-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/report.\(format)"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw FixtureError("cannot write \(path)") }
        return RenderedFile(path: path, format: format)
    }

    static func channel(_ kind: String, settings: [String: Any], secrets: [String: Any] = [:], allowLoopback: Bool = true,
                        transferTimeout: Double = 60) throws -> any DeliveryChannel {
        try DeliveryChannels.make(kind: kind, settingsJSON: json(settings), secretsJSON: json(secrets),
                                  environment: environment(allowLoopback: allowLoopback, transferTimeout: transferTimeout))
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw FixtureError("not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
        }
        return object
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
