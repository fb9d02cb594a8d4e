import Curl
import HeraldCore

/// What every channel is given besides its destination: where folders live, which addresses it may reach, the
/// system's SMTP server, the limits, and extra trusted certificates.
public struct ChannelEnvironment: Sendable {
    public var deliveryRoot: String
    public var outbound: OutboundGuard
    /// The server set up on `/admin/email`, with its password (nil: none set up).
    public var systemSMTP: (server: SMTPServer, password: String?)?
    /// `HERALD_MAX_RECIPIENTS`.
    public var maxRecipients: Int
    /// A PEM bundle trusted instead of the system's (`HERALD_TLS_CA_FILE`; the tests' self-signed servers).
    public var trustedCertificates: String?
    public var connectTimeout: Double
    /// The longest one transfer may take (the run's deadline cuts it shorter).
    public var transferTimeout: Double
    /// `HERALD_BASE_URL`, for download links.
    public var baseURL: String
    /// Called with an SFTP server's host key (`SHA256:` + base64, as `ssh-keygen -l` prints it) after the first
    /// connection to a destination without a pinned key: the integrator stores it as the destination's pin.
    public var hostKeyLearned: @Sendable (_ sha256: String) -> Void = { _ in }

    public init(deliveryRoot: String, outbound: OutboundPolicy = .none, systemSMTP: (server: SMTPServer, password: String?)? = nil,
                maxRecipients: Int = 50, trustedCertificates: String? = nil, connectTimeout: Double = 10,
                transferTimeout: Double = 600, baseURL: String = "https://localhost:8443") {
        self.deliveryRoot = deliveryRoot
        self.outbound = OutboundGuard(policy: outbound)
        self.systemSMTP = systemSMTP
        self.maxRecipients = maxRecipients
        self.trustedCertificates = trustedCertificates
        self.connectTimeout = connectTimeout
        self.transferTimeout = transferTimeout
        self.baseURL = baseURL
    }

    /// The common options of a transfer to `host`: timeouts, trusted certificates, and the outbound guard.
    func prepare(_ easy: CurlEasy, host: String, port: Int) throws {
        try easy.timeouts(connect: connectTimeout, total: transferTimeout)
        if let trustedCertificates { try easy.certificateAuthority(path: trustedCertificates) }
        try outbound.admit(host: host, port: port, on: easy)
    }
}
