import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Logging
import Postgres

/// Sends owner alert emails after a run's end is recorded (never inside the finish transaction): asks
/// `OwnerAlertRepository` which alert the end calls for (claimed once), and sends it through the admin's SMTP server
/// with the email channel's message builder, so its headers are checked and encoded like a report's. Without a
/// server only the in-app notification exists (a warning is logged once, and the alert's row says so). A failure to
/// send is logged and recorded on the alert's row, never on the run. Not thread-safe: each runner owns one.
final class OwnerAlertMailer {
    let store: PostgresConnection
    let keyring: () throws -> SecretKeyring
    let every: Int
    let environment: ChannelEnvironment
    /// How long the admin's server, as read, is used before it is read again (a change applies without a restart).
    let recheckSeconds: Double
    private let logger = Logger(label: "herald.alerts")
    private var server: (value: (server: SMTPServer, password: String?)?, readAt: Date)?
    private var warnedNoServer = false
    /// Changes whenever the server read differs from the one before (cached email channels are keyed by it).
    private(set) var systemSMTPVersion = 0

    init(store: PostgresConnection, keyring: @escaping () throws -> SecretKeyring, every: Int, environment: ChannelEnvironment,
         recheckSeconds: Double = 60) {
        self.store = store
        self.keyring = keyring
        self.every = every
        self.environment = environment
        self.recheckSeconds = recheckSeconds
    }

    /// The admin's SMTP server, re-read at most every `recheckSeconds`.
    func systemSMTP() throws -> (server: SMTPServer, password: String?)? {
        if let server, server.readAt.timeIntervalSinceNow > -recheckSeconds { return server.value }
        let value = try SystemEmailService(connection: store, keyring: try keyring()).load()
        if let old = server, old.value?.server != value?.server || old.value?.password != value?.password { systemSMTPVersion += 1 }
        server = (value, Date())
        return value
    }

    /// Called once a run's end is recorded; never throws (a run is never failed by its alert). `previousStatus`
    /// (the schedule's last run's, as the finish returned it) lets a success after a success cost no statement. The
    /// in-app notice is written by the claim, with or without a mail server; the email is sent when the rule says so.
    func runEnded(_ executionID: UUID, status: String, previousStatus: String?) {
        guard OwnerAlertRepository.mayAlert(status: status, previousStatus: previousStatus) else { return }
        do {
            let repository = OwnerAlertRepository(connection: store, every: every)
            guard let alert = try repository.claim(executionID), alert.emails else { return }
            try repository.recordSent(alert, error: email(OwnerAlertMessage(alert, baseURL: environment.baseURL), to: alert.ownerEmail,
                                                          reportName: alert.reportName, scheduleName: alert.scheduleName,
                                                          localDateTime: alert.localDateTime, executionID: alert.executionID,
                                                          scheduleID: alert.scheduleID, what: "an owner alert"))
        } catch {
            logger.error("could not decide or record an owner alert", metadata: ["execution_id": "\(executionID)", "error": "\(error)"])
        }
    }

    /// Emails the owner of a schedule that paused itself (`ScheduleAutoPause` paused it and claimed its
    /// `owner_alerts` row once, so this sends once), and records how it went; never throws.
    func schedulePaused(_ paused: ScheduleAutoPause.Paused) {
        guard let to = paused.ownerEmail else { return }
        do {
            let error = email(OwnerAlertMessage(paused, baseURL: environment.baseURL), to: to, reportName: paused.reportName,
                              scheduleName: paused.scheduleName, localDateTime: paused.localDateTime, executionID: paused.executionID,
                              scheduleID: paused.scheduleID, what: "a schedule-paused email")
            try OwnerAlertRepository(connection: store, every: every).recordSent(executionID: paused.executionID, kind: .paused, error: error)
        } catch {
            logger.error("could not record a schedule-paused email", metadata: ["schedule_id": "\(paused.scheduleID)", "error": "\(error)"])
        }
    }

    /// Emails the owner of a schedule whose slot passed its deadline (`LateNotices` claimed it once, with its
    /// `owner_alerts` row), and records how it went; never throws.
    func scheduleLate(_ late: LateNotices.Late) {
        guard let to = late.ownerEmail else { return }
        do {
            let error = email(OwnerAlertMessage(late, baseURL: environment.baseURL), to: to, reportName: late.reportName,
                              scheduleName: late.scheduleName, localDateTime: late.localDateTime, executionID: late.executionID,
                              scheduleID: late.scheduleID, what: "a data-late email")
            try OwnerAlertRepository(connection: store, every: every).recordLateSent(scheduleID: late.scheduleID, slot: late.slot, error: error)
        } catch {
            logger.error("could not record a data-late email", metadata: ["schedule_id": "\(late.scheduleID)", "error": "\(error)"])
        }
    }

    /// Sends one alert email through the admin's server; returns why it was not sent (logged), nil when it was.
    private func email(_ message: OwnerAlertMessage, to ownerEmail: String, reportName: String, scheduleName: String,
                       localDateTime: String, executionID: UUID?, scheduleID: UUID?, what: String) -> String? {
        do {
            guard let system = try systemSMTP() else {
                if !warnedNoServer {
                    warnedNoServer = true
                    logger.warning("no SMTP server is set up on /admin/email: owner alerts are in-app notifications only")
                }
                return OwnerAlertRepository.noServerError
            }
            _ = try send(message, to: ownerEmail, reportName: reportName, scheduleName: scheduleName, localDateTime: localDateTime,
                         executionID: executionID, scheduleID: scheduleID, through: system)
            return nil
        } catch {
            logger.error("could not send \(what)", metadata: ["execution_id": "\(executionID.map { "\($0)" } ?? "none")",
                                                            "schedule_id": "\(scheduleID.map { "\($0)" } ?? "none")", "error": "\(error)"])
            return "\(error)"
        }
    }

    private func send(_ message: OwnerAlertMessage, to ownerEmail: String, reportName: String, scheduleName: String, localDateTime: String,
                      executionID: UUID?, scheduleID: UUID?, through system: (server: SMTPServer, password: String?)) throws -> String {
        try send(subject: message.subject, markdown: message.markdown, placeholders: message.placeholders, to: ownerEmail,
                 reportName: reportName, scheduleName: scheduleName, localDateTime: localDateTime, executionID: executionID,
                 scheduleID: scheduleID, through: system)
    }

    /// Sends one email to one user through the admin's server as an email destination would (also the weekly summary).
    func send(subject: String, markdown: String, placeholders: [String: String], to ownerEmail: String, reportName: String,
              scheduleName: String, localDateTime: String, executionID: UUID?, scheduleID: UUID?,
              through system: (server: SMTPServer, password: String?)) throws -> String {
        var environment = environment
        environment.systemSMTP = system
        // An alert is short: it must not hold a worker for a report's transfer time.
        environment.transferTimeout = min(environment.transferTimeout, 60)
        // An email destination's settings: to the owner alone, no files; decoded and checked as any destination's.
        let settings: [String: Any] = ["to": [ownerEmail], "subject": subject, "body_md": markdown]
        let settingsJSON = String(decoding: try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys]), as: UTF8.self)
        let channel = try EmailChannel.make(settingsJSON: settingsJSON, secretsJSON: "{}", environment: environment)
        // A late slot that never fired has no run: the message's own id stands in for it.
        var context = DeliveryContext(reportName: reportName, scheduleName: scheduleName, localDateTime: localDateTime,
                                      executionID: executionID ?? UUID())
        context.scheduleID = scheduleID
        context.placeholders = placeholders
        return try channel.deliver([], context: context)
    }
}
