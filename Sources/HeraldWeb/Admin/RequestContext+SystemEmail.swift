import HeraldDelivery
import HeraldStore

extension RequestContext {
    /// What a connection test reaches and trusts, with the admin's SMTP server as saved now (an email destination
    /// without a server of its own sends through it).
    func channelsWithSystemEmail() throws -> ChannelEnvironment {
        var environment = settings.channels
        environment.systemSMTP = try SystemEmailService(connection: try store(), keyring: try settings.keyring()).load()
        return environment
    }
}
