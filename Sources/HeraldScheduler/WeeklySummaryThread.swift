import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Logging
import Postgres

/// Runs `WeeklySummarySender` in `herald scheduler` every `interval`, on a thread and a PostgreSQL session of its own.
/// Every scheduler runs one; `weekly_summaries` makes each user's week sent once whoever sends.
final class WeeklySummaryThread: @unchecked Sendable {
    static let interval: TimeInterval = 300

    private let config: HeraldConfig
    private let logger: Logger
    private let periodic = PeriodicThread()
    /// Touched only on the periodic thread.
    private var sender: WeeklySummarySender?

    init(config: HeraldConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    func start() {
        periodic.start(name: "herald-weekly", firstDelay: Self.interval, interval: Self.interval) { [self] in tick() }
    }

    func stop() { periodic.stop() }

    private func tick() {
        do {
            if sender == nil {
                let store = try PostgresConnection(url: config.databaseURL)
                let mailer = OwnerAlertMailer(store: store, keyring: { [config] in
                    try SecretKeyring(current: config.secretKey, previous: config.previousSecretKey)
                }, every: config.alertEvery, environment: ChannelEnvironment(config: config))
                sender = WeeklySummarySender(store: store, mailer: mailer)
            }
            let sent = try sender!.sendDue()
            if sent > 0 { logger.info("weekly summaries sent", metadata: ["emails": "\(sent)"]) }
        } catch {
            sender = nil
            logger.warning("weekly summary pass failed; it is tried again later", metadata: ["error": "\(error)"])
        }
    }
}
