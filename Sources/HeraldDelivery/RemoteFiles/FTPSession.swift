import Curl
import Foundation
import HeraldCore

/// One delivery's (or one test's) FTP connection: plain, explicit FTPS (`AUTH TLS`, then TLS required for the login
/// and every data connection) or implicit FTPS (`ftps://`), in passive mode (curl's EPSV, then PASV, connecting to the
/// control connection's address whatever PASV names, so the outbound guard's check holds for data connections too).
///
/// TLS stops at 1.2: this libcurl can lose the end of an upload over TLS 1.3 (`CurlEasy.limitTLSToVersion12`), and
/// each upload's stored size is checked before the rename.
///
/// curl enters the file's folder one `CWD` at a time (creating what is missing), so the commands after a transfer
/// run in that folder and name files without their folder. Most servers' `RNTO` replaces an existing file; where
/// one refuses and the file may be replaced, it is deleted and the rename tried again.
final class FTPSession: RemoteFileServer {
    let settings: FTPDestination.Settings
    private let password: String
    private let environment: ChannelEnvironment
    private let easy: CurlEasy

    var security: FTPDestination.Security { settings.tls ?? .none }
    var port: Int { settings.port ?? (security == .implicit ? 990 : 21) }

    init(settings: FTPDestination.Settings, secrets: FTPDestination.Secrets, environment: ChannelEnvironment) throws {
        self.settings = settings
        self.environment = environment
        password = secrets.password ?? ""
        do { easy = try CurlEasy() } catch { throw RemoteFileFailure.setup(error) }
    }

    func exists(_ path: RemoteFilePath) throws -> Bool {
        do {
            try perform(url(path), step: "exists") { easy throws(CurlError) in try easy.noBody() }
            return true
        } catch let error as DeliveryError where error.category == "not found" || error.category == "permission" {
            // 550 to SIZE: no such file; a refused CWD: its folder is not there yet.
            return false
        }
    }

    /// Upload, then the stored size checked against the file's (`SIZE`), then the rename: a server that stored less
    /// than was sent (a TLS data connection cut short) fails the delivery instead of publishing a short file.
    func upload(fileAt source: String, as temporary: RemoteFilePath, renamingTo final: RemoteFilePath, replace: Bool) throws {
        try perform(url(temporary), step: "upload") { easy throws(CurlError) in
            try easy.createMissingDirectories()
            try easy.upload(fileAt: source)
        }
        try perform(url(temporary), step: "upload") { easy throws(CurlError) in try easy.noBody() }
        var info = stat()
        if let stored = easy.contentLength, stat(source, &info) == 0, stored != Int64(info.st_size) {
            throw DeliveryError("upload: the server stored \(stored) of \(info.st_size) bytes of \(temporary.display)", category: "remote rejected")
        }
        do {
            try perform(url(final.named("")), step: "rename", commandStep: "rename") { easy throws(CurlError) in
                try easy.noBody()
                try easy.commandsAfter(["RNFR " + temporary.name, "RNTO " + final.name])
            }
        } catch let error as DeliveryError where replace && error.description.hasPrefix("rename:") {
            try perform(url(final.named("")), step: "rename", commandStep: "rename") { easy throws(CurlError) in
                try easy.noBody()
                try easy.commandsAfter(["DELE " + final.name, "RNFR " + temporary.name, "RNTO " + final.name])
            }
        }
    }

    func removeQuietly(_ path: RemoteFilePath) {
        try? perform(url(path.named("")), step: "cleanup", quick: true) { easy throws(CurlError) in
            try easy.noBody()
            try easy.commandsAfter(["DELE " + path.name])
        }
    }

    func checkFolder(_ folder: RemoteFilePath) throws {
        try perform(url(folder.named("")), step: "path") { easy throws(CurlError) in easy.captureResponse(limit: 0) }
    }

    func probe(as temporary: RemoteFilePath, renamingTo final: RemoteFilePath) throws {
        try perform(url(temporary), step: "permission") { easy throws(CurlError) in
            try easy.upload(bytes: Array("Herald connection test\n".utf8))
            try easy.commandsAfter(["RNFR " + temporary.name, "RNTO " + final.name, "DELE " + final.name])
        }
    }

    /// One transfer on the shared connection: the handle reset, then the guard, the login, TLS as configured and
    /// `options`. A refused command (`commandsAfter`) fails as `commandStep`.
    private func perform(_ url: String, step: String, commandStep: String? = nil, quick: Bool = false,
                         _ options: (CurlEasy) throws(CurlError) -> Void) throws {
        do {
            try easy.reset()
            try environment.prepare(easy, host: settings.host, port: port)
            if quick { try easy.timeouts(connect: min(environment.connectTimeout, 10), total: 30) }
            try easy.protocols(security == .implicit ? "ftps" : "ftp")
            try easy.login(user: settings.username, password: password)
            try easy.requireTLS(security == .explicit)
            if security != .none { try easy.limitTLSToVersion12() }
            try easy.url(url)
            try options(easy)
        } catch let error as CurlError {
            throw RemoteFileFailure.setup(error)
        }
        do {
            try easy.perform()
        } catch {
            throw RemoteFileFailure.error(error, step: error.isCommandFailure ? commandStep ?? step : step)
        }
    }

    /// `ftp://host:port/rel/path` (under the login's folder) or `ftp://host:port/%2Fabs/path` (from the root); a
    /// folder (an empty name) ends in `/`.
    private func url(_ path: RemoteFilePath) -> String {
        let segments = (path.folders + (path.name.isEmpty ? [] : [path.name])).map(RemoteFilePath.urlSegment)
        var text = "/" + (path.absolute ? "%2F" : "") + segments.joined(separator: "/")
        if path.name.isEmpty && (path.absolute || !segments.isEmpty) { text += "/" }
        let scheme = security == .implicit ? "ftps" : "ftp"
        return "\(scheme)://\(RemoteFilePath.urlHost(settings.host)):\(port)\(text)"
    }
}
