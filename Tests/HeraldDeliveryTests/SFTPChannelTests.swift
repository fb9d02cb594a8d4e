import Foundation
import HeraldCore
import TestSupport
import Testing
@testable import HeraldDelivery

/// The SFTP channel against the test sshd (OpenSSH, its own config, on loopback): each test delivers under a folder
/// of its own in the server's root and reads the result from disk.
final class SFTPChannelTests {
    let server: SFTPServer
    /// This test's source files, removed when it ends.
    let sources: String

    init() throws {
        server = try DeliveryServers.sftp()
        sources = try RemoteFileFixtures.sourceFolder()
    }

    deinit { try? FileManager.default.removeItem(atPath: sources) }

    func sourceFile(format: String, size: Int = 150_000) throws -> (file: RenderedFile, sha256: [UInt8]) {
        try RemoteFileFixtures.sourceFile(in: sources, format: format, size: size)
    }

    func environment(allowLoopback: Bool = true, learned: LearnedKeys? = nil) throws -> ChannelEnvironment {
        var environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(),
                                             outbound: allowLoopback ? try OutboundPolicy(allowList: "127.0.0.1") : .none,
                                             connectTimeout: 5, transferTimeout: 60)
        if let learned { environment.hostKeyLearned = { learned.record($0) } }
        return environment
    }

    /// A folder of this test's own under the server's root (not created: the channel makes it).
    func uniqueBase() -> String { server.root + "/t-" + UUID().uuidString.prefix(8).lowercased() }

    func channel(base: String?, filename: String? = nil, ifExists: String? = nil, port: Int? = nil, pin: String? = nil,
                 password: String? = nil, privateKey: String? = nil, host: String? = nil,
                 environment: ChannelEnvironment? = nil) throws -> any DeliveryChannel {
        var settings: [String: Any] = ["host": host ?? server.host, "port": port ?? server.port, "username": server.user]
        if let base { settings["path"] = base }
        if let filename { settings["filename"] = filename }
        if let ifExists { settings["if_exists"] = ifExists }
        if let pin { settings["host_key_sha256"] = pin }
        var secrets: [String: Any] = [:]
        if let privateKey { secrets["private_key"] = privateKey } else { secrets["password"] = password ?? server.password }
        return try DeliveryChannels.make(kind: "sftp", settingsJSON: RemoteFileFixtures.json(settings),
                                         secretsJSON: RemoteFileFixtures.json(secrets), environment: environment ?? self.environment())
    }

    @Test func filesArriveCompleteUnderTheTemplatedPathWithMissingFoldersCreated() throws {
        let base = uniqueBase()
        let csv = try sourceFile(format: "csv")
        let xlsx = try sourceFile(format: "xlsx", size: 700_000)
        let sftp = try channel(base: base, filename: "{report_name}/{date:yyyy/MM}/{report_name}_{date}.{format}")
        let detail = try sftp.deliver([csv.file, xlsx.file], context: RemoteFileFixtures.context(report: "Sales Report"))
        let expected = ["\(base)/Sales Report/2026/11/Sales Report_2026-11-23.csv", "\(base)/Sales Report/2026/11/Sales Report_2026-11-23.xlsx"]
        #expect(detail == expected.joined(separator: "\n"))
        #expect(try RemoteFileFixtures.sha256(expected[0]) == csv.sha256)
        #expect(try RemoteFileFixtures.sha256(expected[1]) == xlsx.sha256)
        #expect(RemoteFileFixtures.tree(base) == ["Sales Report", "Sales Report/2026", "Sales Report/2026/11",
                                                  "Sales Report/2026/11/Sales Report_2026-11-23.csv", "Sales Report/2026/11/Sales Report_2026-11-23.xlsx"])
        #expect(sftp.breakerHost == "sftp:127.0.0.1:\(server.port)")
    }

    @Test func aPrivateKeyLogsInAndItsFileIsRemovedAfterwards() throws {
        let base = uniqueBase()
        let key = try String(contentsOfFile: server.privateKeyPath, encoding: .utf8)
        let source = try sourceFile(format: "csv")
        let sftp = try channel(base: base, privateKey: key)
        let detail = try sftp.deliver([source.file], context: RemoteFileFixtures.context())
        #expect(detail == "\(base)/Sales_2026-11-23_0700.csv")
        #expect(try RemoteFileFixtures.sha256(detail) == source.sha256)
        #expect(RemoteFileFixtures.temporaryNames(base).isEmpty)
    }

    @Test func anRSAKeyThatTheServerRefusesIsAnAuthFailureThatSaysWhy() throws {
        let key = try String(contentsOfFile: server.rsaPrivateKeyPath, encoding: .utf8)
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) {
            try channel(base: uniqueBase(), privateKey: key).deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(error?.category == "auth")
        #expect(error.map { $0.description.contains("ed25519") } == true, "\(String(describing: error))")
        #expect(error.map { !$0.description.contains("PRIVATE KEY") } == true)
    }

    @Test func theKeyFileIsPrivateWhileItLivesAndGoneAfter() throws {
        let file = try SSHPrivateKeyFile(key: "-----BEGIN OPENSSH PRIVATE KEY-----\r\nabc\r\n-----END OPENSSH PRIVATE KEY-----")
        var info = stat()
        #expect(stat(file.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let folder = (file.path as NSString).deletingLastPathComponent
        #expect(stat(folder, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(RemoteFileFixtures.contents(file.path) == Array("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n".utf8))
        file.remove()
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func aRelativeBaseIsUnderTheLoginsHome() throws {
        let relative = "herald-test-" + UUID().uuidString.prefix(8).lowercased()
        let home = "/home/\(server.user)/" + relative
        defer { try? FileManager.default.removeItem(atPath: home) }
        let source = try sourceFile(format: "json", size: 1000)
        let detail = try channel(base: relative).deliver([source.file], context: RemoteFileFixtures.context())
        #expect(detail == relative + "/Sales_2026-11-23_0700.json")
        #expect(try RemoteFileFixtures.sha256(home + "/Sales_2026-11-23_0700.json") == source.sha256)
    }

    @Test func aWrongPasswordIsAnAuthFailureThatNamesNoSecret() throws {
        let base = uniqueBase()
        let wrong = "wrong-" + UUID().uuidString
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) {
            try channel(base: base, password: wrong).deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(error?.category == "auth")
        #expect(error?.permanent == true)
        #expect(error.map { $0.description.hasPrefix("auth:") } == true, "\(String(describing: error))")
        #expect(error.map { !$0.description.contains(wrong) } == true)
        #expect(!FileManager.default.fileExists(atPath: base))
    }

    @Test(arguments: [false, true])
    func thePinnedHostKeyIsAccepted(withPrefix: Bool) throws {
        let base = uniqueBase()
        let learned = LearnedKeys()
        let source = try sourceFile(format: "csv")
        let pin = (withPrefix ? "SHA256:" : "") + server.hostKeySHA256
        let detail = try channel(base: base, pin: pin, environment: environment(learned: learned))
            .deliver([source.file], context: RemoteFileFixtures.context())
        #expect(try RemoteFileFixtures.sha256(detail) == source.sha256)
        #expect(learned.all.isEmpty, "a pinned key is not learned again")
    }

    @Test func aChangedHostKeyIsRefusedAndNothingIsWritten() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv")
        let learned = LearnedKeys()
        let sftp = try channel(base: base, port: server.altPort, pin: "SHA256:" + server.hostKeySHA256, environment: environment(learned: learned))
        let error = #expect(throws: DeliveryError.self) { try sftp.deliver([source.file], context: RemoteFileFixtures.context()) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("host key: the server's host key changed: expected SHA256:\(server.hostKeySHA256), got SHA256:"), "\(text)")
        #expect(text.hasSuffix("; if this is intended, clear the pinned key on the destination"))
        #expect(!text.contains("got SHA256:\(server.hostKeySHA256);"))
        #expect(error?.permanent == true)
        #expect(error?.category == "host key")
        #expect(!FileManager.default.fileExists(atPath: base))
        #expect(learned.all.isEmpty)
    }

    @Test func withoutAPinTheServersKeyIsHandedToTheCallback() throws {
        let learned = LearnedKeys()
        let source = try sourceFile(format: "csv")
        _ = try channel(base: uniqueBase(), environment: environment(learned: learned)).deliver([source.file], context: RemoteFileFixtures.context())
        #expect(learned.all == ["SHA256:" + server.hostKeySHA256])
    }

    @Test func aKeyIsLearnedOnceTheLoginWorkedEvenWhenTheFolderIsRefused() throws {
        let learned = LearnedKeys()
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) {
            try channel(base: "/etc", environment: environment(learned: learned)).deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(error?.category == "permission", "\(String(describing: error))")
        #expect(learned.all == ["SHA256:" + server.hostKeySHA256])
        let wrong = LearnedKeys()
        _ = #expect(throws: DeliveryError.self) {
            try channel(base: "/etc", password: "wrong", environment: environment(learned: wrong)).deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(wrong.all.isEmpty, "a refused login pins nothing")
    }

    @Test func aMalformedPinIsRefusedBeforeConnecting() throws {
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) {
            try channel(base: uniqueBase(), pin: "SHA256:not-a-fingerprint").deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(error?.category == "host key")
        #expect(error?.permanent == true)
    }

    @Test func overwriteReplacesTheFileAndLeavesNoTemporaryName() throws {
        let base = uniqueBase()
        let first = try sourceFile(format: "csv")
        let second = try sourceFile(format: "csv")
        let sftp = try channel(base: base, ifExists: "overwrite")
        let path = try sftp.deliver([first.file], context: RemoteFileFixtures.context())
        #expect(try sftp.deliver([second.file], context: RemoteFileFixtures.context()) == path)
        #expect(try RemoteFileFixtures.sha256(path) == second.sha256)
        #expect(RemoteFileFixtures.tree(base) == ["Sales_2026-11-23_0700.csv"])
    }

    @Test func timestampKeepsTheOldFileAndStampsTheNewOne() throws {
        let base = uniqueBase()
        let first = try sourceFile(format: "csv")
        let second = try sourceFile(format: "csv")
        let sftp = try channel(base: base, ifExists: "timestamp")
        let context = RemoteFileFixtures.context(slot: "2026-11-23 07:05:09")
        let old = try sftp.deliver([first.file], context: context)
        let stamped = try sftp.deliver([second.file], context: context)
        #expect(old == "\(base)/Sales_2026-11-23_0705.csv")
        #expect(stamped == "\(base)/Sales_2026-11-23_0705_20261123070509.csv")
        #expect(try RemoteFileFixtures.sha256(old) == first.sha256)
        #expect(try RemoteFileFixtures.sha256(stamped) == second.sha256)
        #expect(RemoteFileFixtures.tree(base) == ["Sales_2026-11-23_0705.csv", "Sales_2026-11-23_0705_20261123070509.csv"])
    }

    @Test func failRefusesAnExistingFileAndKeepsIt() throws {
        let base = uniqueBase()
        let first = try sourceFile(format: "csv")
        let second = try sourceFile(format: "csv")
        let sftp = try channel(base: base, ifExists: "fail")
        let path = try sftp.deliver([first.file], context: RemoteFileFixtures.context())
        let error = #expect(throws: DeliveryError.self) { try sftp.deliver([second.file], context: RemoteFileFixtures.context()) }
        #expect(error?.description == "exists: \(path)")
        #expect(error?.permanent == true)
        #expect(try RemoteFileFixtures.sha256(path) == first.sha256)
        #expect(RemoteFileFixtures.tree(base) == ["Sales_2026-11-23_0700.csv"])
    }

    @Test func aFailedRenameRemovesTheTemporaryFile() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv")
        let sftp = try channel(base: base, filename: "{report_name}.{format}")
        _ = try sftp.deliver([source.file], context: RemoteFileFixtures.context(report: "first"))
        // A folder (ours, not the SFTP user's) where the file should go: neither `rm` nor `rename` can replace it.
        try FileManager.default.createDirectory(atPath: base + "/blocked.csv/inside", withIntermediateDirectories: true)
        let error = #expect(throws: DeliveryError.self) { try sftp.deliver([source.file], context: RemoteFileFixtures.context(report: "blocked")) }
        #expect(error.map { $0.description.hasPrefix("rename:") } == true, "\(String(describing: error))")
        #expect(RemoteFileFixtures.tree(base) == ["blocked.csv", "blocked.csv/inside", "first.csv"])
    }

    @Test func aLoopbackHostIsRefusedWhenNotAllowListedAndNothingArrives() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv")
        let sftp = try channel(base: base, environment: environment(allowLoopback: false))
        let error = #expect(throws: DeliveryError.self) { try sftp.deliver([source.file], context: RemoteFileFixtures.context()) }
        #expect(error?.category == "blocked")
        #expect(error?.permanent == true)
        #expect(!FileManager.default.fileExists(atPath: base))
        let test = #expect(throws: DeliveryError.self) { try sftp.testConnection() }
        #expect(test?.category == "blocked")
    }

    @Test func aReportNameThatClimbsStaysInsideTheBase() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv", size: 100)
        let sftp = try channel(base: base, filename: "{report_name}/{schedule_name}_{date}.{format}")
        let detail = try sftp.deliver([source.file], context: RemoteFileFixtures.context(report: "../../etc", schedule: "/root/.ssh/x"))
        #expect(detail.hasPrefix(base + "/"), "\(detail)")
        #expect(try RemoteFileFixtures.sha256(detail) == source.sha256)
        #expect(RemoteFileFixtures.tree(base).count == 2, "one folder and the file, both under the base")
    }

    @Test func testConnectionPassesAndLeavesNothingBehind() throws {
        let base = uniqueBase()
        _ = try channel(base: base).deliver([try sourceFile(format: "csv").file], context: RemoteFileFixtures.context())
        let learned = LearnedKeys()
        let answer = try channel(base: base, environment: environment(learned: learned)).testConnection()
        #expect(answer.contains("logged in as \(server.user)"), "\(answer)")
        #expect(answer.contains("SHA256:\(server.hostKeySHA256)"))
        #expect(answer.contains("\(base)/ is writable"))
        #expect(RemoteFileFixtures.tree(base) == ["Sales_2026-11-23_0700.csv"])
        #expect(learned.all == ["SHA256:" + server.hostKeySHA256])
        let key = try String(contentsOfFile: server.privateKeyPath, encoding: .utf8)
        #expect(try channel(base: base, pin: server.hostKeySHA256, privateKey: key).testConnection().contains("the private key"))
    }

    @Test func testConnectionNamesTheFailingStep() throws {
        let missing = uniqueBase()
        func step(_ sftp: any DeliveryChannel) -> String {
            do { _ = try sftp.testConnection(); return "passed" } catch let error as DeliveryError {
                return String(error.description.prefix { $0 != ":" })
            } catch { return "\(error)" }
        }
        #expect(step(try channel(base: missing, password: "wrong")) == "auth")
        #expect(step(try channel(base: missing)) == "path")
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(step(try channel(base: "/etc")) == "permission")
        #expect(step(try channel(base: server.root, port: server.altPort, pin: server.hostKeySHA256)) == "host key")
        #expect(step(try channel(base: server.root, host: "no-such-host.invalid")) == "dns")
        #expect(step(try channel(base: server.root, port: try closedPort())) == "connect")
    }

    /// A loopback port that nothing listens on: bound, then closed.
    func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound, "a loopback port to close again")
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
