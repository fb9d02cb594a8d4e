import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Logging
import Postgres

/// Runs the "data late" check (`LateNotices`) in `herald scheduler` every `interval`, on a thread and a PostgreSQL
/// session of its own, and emails each owner it told through the admin's SMTP server. Every scheduler runs one;
/// `late_notices` makes each slot told once whoever checks.
final class LateNoticeThread: @unchecked Sendable {
    static let interval: TimeInterval = 60

    private let databaseURL: String
    private let config: HeraldConfig
    private let logger: Logger
    private let periodic = PeriodicThread()
    /// Touched only on the periodic thread.
    private var connection: PostgresConnection?
    private var mailer: OwnerAlertMailer?

    init(config: HeraldConfig, logger: Logger) {
        self.databaseURL = config.databaseURL
        self.config = config
        self.logger = logger
    }

    func start() {
        periodic.start(name: "herald-late", firstDelay: Self.interval, interval: Self.interval) { [self] in check() }
    }

    func stop() { periodic.stop() }

    private func check() {
        do {
            if connection == nil {
                let opened = try PostgresConnection(url: databaseURL)
                connection = opened
                mailer = OwnerAlertMailer(store: opened, keyring: { [config] in
                    try SecretKeyring(current: config.secretKey, previous: config.previousSecretKey)
                }, every: config.alertEvery, environment: ChannelEnvironment(config: config))
            }
            for late in try LateNotices(connection: connection!).check() {
                logger.notice("a schedule's run is late", metadata: ["schedule_id": "\(late.scheduleID)", "slot": "\(late.slot)"])
                mailer?.scheduleLate(late)
            }
        } catch {
            connection = nil
            logger.warning("data-late check failed; it is tried again later", metadata: ["error": "\(error)"])
        }
    }
}
