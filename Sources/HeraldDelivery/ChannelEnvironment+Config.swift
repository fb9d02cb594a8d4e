import HeraldCore

extension ChannelEnvironment {
    /// The environment every process builds from its configuration: the delivery root, `HERALD_OUTBOUND_ALLOW`,
    /// `HERALD_TLS_CA_FILE`, `HERALD_MAX_RECIPIENTS` and `HERALD_BASE_URL`; `systemSMTP` is the server an admin set up.
    public init(config: HeraldConfig, systemSMTP: (server: SMTPServer, password: String?)? = nil) {
        self.init(deliveryRoot: config.deliveryRoot, outbound: config.outboundAllowList, systemSMTP: systemSMTP,
                  maxRecipients: config.maxRecipients, trustedCertificates: config.trustedCertificates, baseURL: config.baseURL)
    }
}
