import HeraldCore

/// Delivers to an FTP server, plain or FTPS (explicit or implicit TLS, checked against the trusted certificates),
/// in passive mode: each file uploaded under a temporary name and renamed into place (`RemoteFilePlacement`).
struct FTPChannel: DeliveryChannel {
    let settings: FTPDestination.Settings
    let secrets: FTPDestination.Secrets
    let placement: RemoteFilePlacement
    let environment: ChannelEnvironment

    static func make(settingsJSON: String, secretsJSON: String, environment: ChannelEnvironment) throws -> FTPChannel {
        let (settings, secrets) = try DeliveryChannels.decode(FTPDestination.self, settingsJSON, secretsJSON)
        return FTPChannel(settings: settings, secrets: secrets, placement: try RemoteFilePlacement(settings), environment: environment)
    }

    var breakerHost: String {
        "ftp:\(settings.host):\(settings.port ?? (settings.tls == .implicit ? 990 : 21))"
    }

    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        let session = try FTPSession(settings: settings, secrets: secrets, environment: environment)
        return try placement.deliver(files, context: context, through: session)
    }

    func testConnection() throws -> String {
        let session = try FTPSession(settings: settings, secrets: secrets, environment: environment)
        let folder = try placement.testConnection(through: session)
        let security = switch session.security {
        case .none: "without TLS"
        case .explicit: "with explicit TLS (AUTH TLS), the certificate verified"
        case .implicit: "with implicit TLS, the certificate verified"
        }
        return "connected to \(settings.host):\(session.port) \(security); logged in as \(settings.username); \(folder)"
    }
}
