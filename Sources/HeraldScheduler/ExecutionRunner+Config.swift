import HeraldCore
import HeraldDelivery

extension ExecutionRunner.Settings {
    /// A worker's settings as every process that runs executions reads them (`herald scheduler`, `herald run-once`).
    public init(config: HeraldConfig) {
        self.init(leaseSeconds: config.leaseSeconds, retry: config.retry, dataDirectory: config.dataDirectory, deliveryRoot: config.deliveryRoot)
        channels = ChannelEnvironment(config: config)
        previousSecretKey = config.previousSecretKey
        linkLifetimeSeconds = Int64(config.linkDays) * 86_400
        alertEvery = config.alertEvery
    }
}
