import Foundation
import HeraldCore
import HeraldStore
import Logging
import Postgres

/// Sends the weekly summary emails that are due: for each opted-in user who owns a schedule and whose Monday 07:00
/// has come (in their zone), claims the week once (`weekly_summaries`) and emails what their schedules did and will do.
/// Without an admin SMTP server nothing is claimed, so the week is sent once a server is set (until Wednesday,
/// `SummaryWeek.due`); a send that failed is claimed again 15 minutes later, up to five tries.
struct WeeklySummarySender {
    let store: PostgresConnection
    let mailer: OwnerAlertMailer
    private let logger = Logger(label: "herald.weekly-summary")

    init(store: PostgresConnection, mailer: OwnerAlertMailer) {
        self.store = store
        self.mailer = mailer
    }

    /// Sends what is due at `now`; returns how many emails were sent.
    @discardableResult
    func sendDue(now: Date = Date()) throws -> Int {
        guard let system = try mailer.systemSMTP() else { return 0 }
        let summaries = WeeklySummaryRepository(connection: store)
        var sent = 0
        for recipient in try summaries.recipients() {
            guard let week = SummaryWeek.due(at: Int64(now.timeIntervalSince1970), zone: recipient.timeZone),
                  try summaries.claim(userID: recipient.userID, weekStart: week) else { continue }
            var sendError: String?
            do {
                let message = WeeklySummaryMessage(try summaries.summary(userID: recipient.userID, now: now), weekStart: week,
                                                   baseURL: mailer.environment.baseURL)
                _ = try mailer.send(subject: message.subject, markdown: message.markdown, placeholders: message.placeholders,
                                    to: recipient.email, reportName: "Weekly summary", scheduleName: "", localDateTime: week + " 07:00",
                                    executionID: nil, scheduleID: nil, through: system)
                sent += 1
            } catch {
                sendError = "\(error)"
                logger.error("could not send a weekly summary", metadata: ["user_id": "\(recipient.userID)", "error": "\(error)"])
            }
            try summaries.recordSent(userID: recipient.userID, weekStart: week, error: sendError)
        }
        return sent
    }
}
