import HeraldCore

/// Delivers to an SFTP server: each file uploaded under a temporary name and renamed into place under the base
/// folder (`RemoteFilePlacement`), by password or private key, with the server's host key checked against the pin or,
/// without one, learned and handed to `ChannelEnvironment.hostKeyLearned` once a connection has logged in.
struct SFTPChannel: DeliveryChannel {
    let settings: SFTPDestination.Settings
    let secrets: SFTPDestination.Secrets
    let placement: RemoteFilePlacement
    let environment: ChannelEnvironment

    static func make(settingsJSON: String, secretsJSON: String, environment: ChannelEnvironment) throws -> SFTPChannel {
        let (settings, secrets) = try DeliveryChannels.decode(SFTPDestination.self, settingsJSON, secretsJSON)
        return SFTPChannel(settings: settings, secrets: secrets, placement: try RemoteFilePlacement(settings), environment: environment)
    }

    var breakerHost: String { "sftp:\(settings.host):\(settings.port ?? 22)" }

    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        try withSession { try placement.deliver(files, context: context, through: $0) }
    }

    func testConnection() throws -> String {
        try withSession { session in
            let folder = try placement.testConnection(through: session)
            let key = session.hostKey.pinned != nil ? "matches the pinned key" : "was accepted and handed on to be pinned (none was pinned)"
            return "connected to \(settings.host):\(session.port); the host key SHA256:\(session.hostKey.seen ?? "?") \(key); "
                + "logged in as \(settings.username) with \(session.usesKey ? "the private key" : "the password"); \(folder)"
        }
    }

    /// Runs `body` on a fresh session, then removes the key file and passes on a learned host key: after success,
    /// or after a failure past the login (a folder refused: the connection itself was good).
    private func withSession<T>(_ body: (SFTPSession) throws -> T) throws -> T {
        let session = try SFTPSession(settings: settings, secrets: secrets, environment: environment)
        defer { session.close() }
        do {
            let result = try body(session)
            if let learned = session.hostKey.learned { environment.hostKeyLearned(learned) }
            return result
        } catch let error as DeliveryError {
            if let learned = session.hostKey.learned, !["dns", "blocked", "connect", "tls", "auth", "host key"].contains(error.category ?? "") {
                environment.hostKeyLearned(learned)
            }
            throw error
        }
    }
}
