import Foundation
import HeraldCore
import HeraldDelivery

/// `DeliveryProbe KIND COUNT FILE FORMAT`: builds the real channel of KIND the way a worker does
/// (`DeliveryChannels.make` with the settings JSON in `HERALD_PROBE_SETTINGS` and the secrets JSON in
/// `HERALD_PROBE_SECRETS`, outbound allow-list 127.0.0.1, the CA bundle in `HERALD_PROBE_CA` if set), then delivers
/// FILE (as FORMAT) COUNT times, one after another, each with a fresh execution id. Prints one JSON line: the count,
/// the seconds of all deliveries (the channel built once, before the clock starts), the bytes of FILE, and the last
/// delivery's detail. deploy/bench-delivery.sh runs it; it is a measuring tool, not a command people use.
enum DeliveryProbe {
    static func run(kind: String, count: Int, file: String, format: String) throws {
        let environmentVariables = ProcessInfo.processInfo.environment
        let settings = environmentVariables["HERALD_PROBE_SETTINGS"] ?? "{}"
        let secrets = environmentVariables["HERALD_PROBE_SECRETS"] ?? "{}"
        let environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(),
                                             outbound: try OutboundPolicy(allowList: "127.0.0.1"),
                                             trustedCertificates: environmentVariables["HERALD_PROBE_CA"],
                                             connectTimeout: 10, transferTimeout: 3600)
        let channel = try DeliveryChannels.make(kind: kind, settingsJSON: settings, secretsJSON: secrets, environment: environment)
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        let files = [RenderedFile(path: file, format: format)]
        var detail = ""
        let started = ContinuousClock.now
        for _ in 0..<count {
            var context = DeliveryContext(reportName: "Bench report", scheduleName: "Daily", localDateTime: "2026-12-03 07:00:00",
                                          executionID: UUID())
            context.rowCount = 20
            detail = try channel.deliver(files, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let quoted = String(decoding: try JSONEncoder().encode(String(detail.prefix(300))), as: UTF8.self)
        print(#"{"kind":"\#(kind)","count":\#(count),"seconds":\#(seconds),"bytes":\#(size),"detail":\#(quoted)}"#)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 5, let count = Int(arguments[2]), count > 0 else {
    FileHandle.standardError.write(Data("usage: DeliveryProbe email|sftp|s3|... COUNT FILE FORMAT (settings in HERALD_PROBE_SETTINGS)\n".utf8))
    exit(2)
}
do {
    try DeliveryProbe.run(kind: arguments[1], count: count, file: arguments[3], format: arguments[4])
} catch {
    FileHandle.standardError.write(Data("DeliveryProbe: \(error)\n".utf8))
    exit(1)
}
