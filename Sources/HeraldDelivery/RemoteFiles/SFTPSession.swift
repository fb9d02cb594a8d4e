import Curl
import Foundation
import HeraldCore

/// One delivery's (or one test's) SFTP connection: a curl handle whose transfers share the SSH session, the login
/// (a password, or the key written to a private file for as long as this lives), and the host key check.
///
/// OpenSSH's server, like every SFTP v3 server, refuses a `rename` onto an existing name (and libssh2 1.10 has no
/// `posix-rename@openssh.com`), so replacing a file is `rm` then `rename` in one command list: the old file is gone
/// for that instant, but no partial file is ever visible. Without `replace` the refusing rename is what keeps the
/// existing file.
final class SFTPSession: RemoteFileServer {
    let settings: SFTPDestination.Settings
    let hostKey: SFTPHostKeyCheck
    private let password: String?
    private let passphrase: String?
    private let keyFile: SSHPrivateKeyFile?
    private let environment: ChannelEnvironment
    private let easy: CurlEasy

    var port: Int { settings.port ?? 22 }
    var usesKey: Bool { keyFile != nil }

    init(settings: SFTPDestination.Settings, secrets: SFTPDestination.Secrets, environment: ChannelEnvironment) throws {
        self.settings = settings
        self.environment = environment
        hostKey = try SFTPHostKeyCheck(pinned: settings.hostKeySha256)
        do { easy = try CurlEasy() } catch { throw RemoteFileFailure.setup(error) }
        if let key = secrets.privateKey, !key.isEmpty {
            keyFile = try SSHPrivateKeyFile(key: key)
            password = nil
        } else {
            keyFile = nil
            password = secrets.password ?? ""
        }
        passphrase = (secrets.passphrase ?? "").isEmpty ? nil : secrets.passphrase
    }

    /// Removes the key file (also done when the session is released).
    func close() { keyFile?.remove() }

    func exists(_ path: RemoteFilePath) throws -> Bool {
        do {
            try perform(url(path), step: "exists") { easy throws(CurlError) in try easy.noBody() }
            return true
        } catch let error as DeliveryError where error.category == "not found" || error.category == "permission" {
            // Unreadable (a drop folder may allow writing only): the rename, which never replaces, still keeps it.
            return false
        }
    }

    func upload(fileAt source: String, as temporary: RemoteFilePath, renamingTo final: RemoteFilePath, replace: Bool) throws {
        let rename = (replace ? ["*rm " + quoted(final)] : []) + ["rename \(quoted(temporary)) \(quoted(final))"]
        try perform(url(temporary), step: "upload", commandStep: "rename") { easy throws(CurlError) in
            try easy.createMissingDirectories()
            try easy.upload(fileAt: source)
            try easy.commandsAfter(rename)
        }
    }

    func removeQuietly(_ path: RemoteFilePath) {
        try? perform(url(path.named("")), step: "cleanup", quick: true) { easy throws(CurlError) in
            try easy.noBody()
            try easy.commandsBefore(["rm " + quoted(path)])
        }
    }

    func checkFolder(_ folder: RemoteFilePath) throws {
        try perform(url(folder.named("")), step: "path") { easy throws(CurlError) in easy.captureResponse(limit: 0) }
    }

    func probe(as temporary: RemoteFilePath, renamingTo final: RemoteFilePath) throws {
        try perform(url(temporary), step: "permission") { easy throws(CurlError) in
            try easy.upload(bytes: Array("Herald connection test\n".utf8))
            try easy.commandsAfter(["rename \(quoted(temporary)) \(quoted(final))", "rm " + quoted(final)])
        }
    }

    /// One transfer on the shared connection: the handle reset, then the guard, the login, the host key check and
    /// `options`. A refused command (`commandsAfter`) fails as `commandStep`; a changed host key as `host key`.
    private func perform(_ url: String, step: String, commandStep: String? = nil, quick: Bool = false,
                         _ options: (CurlEasy) throws(CurlError) -> Void) throws {
        do {
            try easy.reset()
            try environment.prepare(easy, host: settings.host, port: port)
            if quick { try easy.timeouts(connect: min(environment.connectTimeout, 10), total: 30) }
            try easy.protocols("sftp")
            try easy.login(user: settings.username, password: password)
            if let keyFile { try easy.sshKey(privateKeyPath: keyFile.path, passphrase: passphrase) } else { try easy.sshPasswordOnly() }
            let hostKey = self.hostKey
            try easy.checkHostKey { hostKey.accept($0) }
            try easy.url(url)
            try options(easy)
        } catch let error as CurlError {
            throw RemoteFileFailure.setup(error)
        }
        do {
            try easy.perform()
        } catch {
            if hostKey.refused { throw hostKey.changedKeyError }
            if error.category == .auth, keyFile?.isRSA == true {
                throw DeliveryError("\(error.description); the key is RSA, whose ssh-rsa (SHA-1) signatures OpenSSH 8.8 and later refuse: use an ed25519 key",
                                    permanent: true, category: "auth")
            }
            throw RemoteFileFailure.error(error, step: error.isCommandFailure ? commandStep ?? step : step)
        }
    }

    /// `sftp://host:port/abs/path` or `sftp://host:port/~/rel/path` (curl's spelling of "under the home"); a folder
    /// (an empty name) ends in `/`.
    private func url(_ path: RemoteFilePath) -> String {
        let segments = path.folders + (path.name.isEmpty ? [] : [path.name])
        var text = path.absolute ? "/" : "/~/"
        text += segments.map(RemoteFilePath.urlSegment).joined(separator: "/")
        if path.name.isEmpty && !segments.isEmpty { text += "/" }
        return "sftp://\(RemoteFilePath.urlHost(settings.host)):\(port)\(text)"
    }

    /// A path in a curl SFTP command: in double quotes, `"` and `\` escaped. curl expands `/~/` only in unquoted
    /// paths, so a path under the home stays relative: the server resolves it against the login's folder.
    private func quoted(_ path: RemoteFilePath) -> String {
        let segments = path.folders + (path.name.isEmpty ? [] : [path.name])
        let text = (path.absolute ? "/" : "") + segments.joined(separator: "/")
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
