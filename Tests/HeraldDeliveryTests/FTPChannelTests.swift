import Foundation
import HeraldCore
import TestSupport
import Testing
@testable import HeraldDelivery

/// The FTP channel against the test pyftpdlib servers (plain, explicit FTPS, implicit FTPS, one user whose home is
/// `root`): each test delivers under a folder of its own and reads the result from disk.
final class FTPChannelTests {
    let server: FTPServer
    /// This test's source files, removed when it ends.
    let sources: String

    init() throws {
        server = try DeliveryServers.ftp()
        sources = try RemoteFileFixtures.sourceFolder()
    }

    deinit { try? FileManager.default.removeItem(atPath: sources) }

    func sourceFile(format: String, size: Int = 150_000) throws -> (file: RenderedFile, sha256: [UInt8]) {
        try RemoteFileFixtures.sourceFile(in: sources, format: format, size: size)
    }

    func environment(allowLoopback: Bool = true, trustCA: Bool = true) throws -> ChannelEnvironment {
        ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(),
                           outbound: allowLoopback ? try OutboundPolicy(allowList: "127.0.0.1") : .none,
                           trustedCertificates: trustCA ? server.caPath : nil, connectTimeout: 5, transferTimeout: 60)
    }

    /// A folder of this test's own, relative to the FTP user's home (not created: the channel makes it).
    func uniqueBase() -> String { "t-" + UUID().uuidString.prefix(8).lowercased() }

    func port(for tls: String) -> Int {
        switch tls {
        case "explicit": server.explicitTLSPort
        case "implicit": server.implicitTLSPort
        default: server.port
        }
    }

    func channel(base: String?, tls: String = "none", port: Int? = nil, filename: String? = nil, ifExists: String? = nil,
                 password: String? = nil, environment: ChannelEnvironment? = nil) throws -> any DeliveryChannel {
        var settings: [String: Any] = ["host": server.host, "port": port ?? self.port(for: tls), "username": server.user, "tls": tls]
        if let base { settings["path"] = base }
        if let filename { settings["filename"] = filename }
        if let ifExists { settings["if_exists"] = ifExists }
        return try DeliveryChannels.make(kind: "ftp", settingsJSON: RemoteFileFixtures.json(settings),
                                         secretsJSON: RemoteFileFixtures.json(["password": password ?? server.password]),
                                         environment: environment ?? self.environment())
    }

    @Test(arguments: ["none", "explicit", "implicit"])
    func filesArriveCompleteUnderTheTemplatedPath(tls: String) throws {
        let base = uniqueBase()
        let csv = try sourceFile(format: "csv")
        let pdf = try sourceFile(format: "pdf", size: 600_000)
        let ftp = try channel(base: base, tls: tls, filename: "{report_name}/{date:yyyy/MM}/{report_name}_{date}.{format}")
        let detail = try ftp.deliver([csv.file, pdf.file], context: RemoteFileFixtures.context(report: "Sales Report"))
        let expected = ["\(base)/Sales Report/2026/11/Sales Report_2026-11-23.csv", "\(base)/Sales Report/2026/11/Sales Report_2026-11-23.pdf"]
        #expect(detail == expected.joined(separator: "\n"))
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + expected[0]) == csv.sha256)
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + expected[1]) == pdf.sha256)
        #expect(RemoteFileFixtures.tree(server.root + "/" + base) == ["Sales Report", "Sales Report/2026", "Sales Report/2026/11",
                                                                      "Sales Report/2026/11/Sales Report_2026-11-23.csv",
                                                                      "Sales Report/2026/11/Sales Report_2026-11-23.pdf"])
        #expect(ftp.breakerHost == "ftp:127.0.0.1:\(port(for: tls))")
    }

    @Test func anAbsoluteBaseStartsAtTheServersRoot() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv")
        let detail = try channel(base: "/" + base + "/in").deliver([source.file], context: RemoteFileFixtures.context())
        #expect(detail == "/\(base)/in/Sales_2026-11-23_0700.csv")
        #expect(try RemoteFileFixtures.sha256(server.root + detail) == source.sha256)
    }

    @Test func aWrongPasswordIsAnAuthFailureThatNamesNoSecret() throws {
        let wrong = "wrong-" + UUID().uuidString
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) {
            try channel(base: uniqueBase(), password: wrong).deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(error?.category == "auth")
        #expect(error?.permanent == true)
        #expect(error.map { !$0.description.contains(wrong) && !$0.description.contains(server.password) } == true)
    }

    @Test func anUntrustedCertificateIsATLSFailure() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) {
            try channel(base: base, tls: "implicit", environment: environment(trustCA: false)).deliver([source.file], context: RemoteFileFixtures.context())
        }
        #expect(error?.category == "tls", "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: server.root + "/" + base))
    }

    @Test func overwriteReplacesTheFile() throws {
        let base = uniqueBase()
        let first = try sourceFile(format: "csv")
        let second = try sourceFile(format: "csv")
        let ftp = try channel(base: base, ifExists: "overwrite")
        let path = try ftp.deliver([first.file], context: RemoteFileFixtures.context())
        #expect(try ftp.deliver([second.file], context: RemoteFileFixtures.context()) == path)
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + path) == second.sha256)
        #expect(RemoteFileFixtures.tree(server.root + "/" + base) == ["Sales_2026-11-23_0700.csv"])
    }

    @Test func timestampKeepsTheOldFileAndStampsTheNewOne() throws {
        let base = uniqueBase()
        let first = try sourceFile(format: "csv")
        let second = try sourceFile(format: "csv")
        let ftp = try channel(base: base, ifExists: "timestamp")
        let old = try ftp.deliver([first.file], context: RemoteFileFixtures.context())
        let stamped = try ftp.deliver([second.file], context: RemoteFileFixtures.context())
        #expect(stamped == "\(base)/Sales_2026-11-23_0700_20261123070000.csv")
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + old) == first.sha256)
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + stamped) == second.sha256)
        #expect(RemoteFileFixtures.tree(server.root + "/" + base) == ["Sales_2026-11-23_0700.csv", "Sales_2026-11-23_0700_20261123070000.csv"])
    }

    @Test func failRefusesAnExistingFileAndKeepsIt() throws {
        let base = uniqueBase()
        let first = try sourceFile(format: "csv")
        let second = try sourceFile(format: "csv")
        let ftp = try channel(base: base, ifExists: "fail")
        let path = try ftp.deliver([first.file], context: RemoteFileFixtures.context())
        let error = #expect(throws: DeliveryError.self) { try ftp.deliver([second.file], context: RemoteFileFixtures.context()) }
        #expect(error?.description == "exists: \(path)")
        #expect(error?.permanent == true)
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + path) == first.sha256)
        #expect(RemoteFileFixtures.tree(server.root + "/" + base) == ["Sales_2026-11-23_0700.csv"])
    }

    @Test func aFailedRenameRemovesTheTemporaryFile() throws {
        let base = uniqueBase()
        let folder = server.root + "/" + base
        // A non-empty folder where the file should go: neither RNTO nor DELE can replace it.
        try FileManager.default.createDirectory(atPath: folder + "/Sales_2026-11-23_0700.csv/inside", withIntermediateDirectories: true)
        let source = try sourceFile(format: "csv")
        let error = #expect(throws: DeliveryError.self) { try channel(base: base).deliver([source.file], context: RemoteFileFixtures.context()) }
        #expect(error.map { $0.description.hasPrefix("rename:") } == true, "\(String(describing: error))")
        #expect(RemoteFileFixtures.tree(folder) == ["Sales_2026-11-23_0700.csv", "Sales_2026-11-23_0700.csv/inside"])
    }

    @Test func aLoopbackHostIsRefusedWhenNotAllowListedAndNothingArrives() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv")
        let ftp = try channel(base: base, environment: environment(allowLoopback: false))
        let error = #expect(throws: DeliveryError.self) { try ftp.deliver([source.file], context: RemoteFileFixtures.context()) }
        #expect(error?.category == "blocked")
        #expect(error?.permanent == true)
        #expect(!FileManager.default.fileExists(atPath: server.root + "/" + base))
    }

    @Test func aReportNameThatClimbsStaysInsideTheBase() throws {
        let base = uniqueBase()
        let source = try sourceFile(format: "csv", size: 100)
        let ftp = try channel(base: base, filename: "{report_name}/{schedule_name}_{date}.{format}")
        let detail = try ftp.deliver([source.file], context: RemoteFileFixtures.context(report: "../../etc", schedule: "/etc/passwd"))
        #expect(detail.hasPrefix(base + "/"), "\(detail)")
        #expect(try RemoteFileFixtures.sha256(server.root + "/" + detail) == source.sha256)
        #expect(RemoteFileFixtures.tree(server.root + "/" + base).count == 2, "one folder and the file, both under the base")
    }

    @Test(arguments: ["none", "explicit", "implicit"])
    func testConnectionPassesAndLeavesNothingBehind(tls: String) throws {
        let base = uniqueBase()
        try FileManager.default.createDirectory(atPath: server.root + "/" + base, withIntermediateDirectories: true)
        let answer = try channel(base: base, tls: tls).testConnection()
        #expect(answer.contains("logged in as \(server.user)"), "\(answer)")
        #expect(answer.contains("\(base)/ is writable"))
        #expect(RemoteFileFixtures.tree(server.root + "/" + base).isEmpty)
    }

    @Test func testConnectionNamesTheFailingStep() throws {
        let missing = uniqueBase()
        func step(_ ftp: any DeliveryChannel) -> String {
            do { _ = try ftp.testConnection(); return "passed" } catch let error as DeliveryError {
                return String(error.description.prefix { $0 != ":" })
            } catch { return "\(error)" }
        }
        #expect(step(try channel(base: missing, password: "wrong")) == "auth")
        #expect(step(try channel(base: missing)) == "path")
        #expect(!FileManager.default.fileExists(atPath: server.root + "/" + missing))
        // Explicit TLS asked of the plain server (no AUTH TLS), and a certificate nobody trusts.
        #expect(step(try channel(base: nil, tls: "explicit", port: server.port)) == "tls")
        #expect(step(try channel(base: nil, tls: "implicit", environment: environment(trustCA: false))) == "tls")
        #expect(step(try channel(base: nil, tls: "implicit", environment: environment(allowLoopback: false))) == "blocked")
    }
}
