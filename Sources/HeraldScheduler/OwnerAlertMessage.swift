import HeraldStore

/// An owner alert's subject and Markdown body, written with the email template's placeholders: the schedule's and
/// report's names, the error, the streak and the link are values the channel escapes in the HTML part (a schedule
/// named `*x* <b>` reads as written), never Markdown of their own.
struct OwnerAlertMessage {
    let subject: String
    let markdown: String
    let placeholders: [String: String]

    init(_ alert: OwnerAlertRepository.Alert, baseURL: String) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let link = base + "/executions/" + alert.executionID.uuidString.lowercased()
        switch alert.kind {
        case .failure, .paused, .late: // `claim` gives a run's failure or recovery; pauses and late slots have their own

            subject = alert.status == "partial" ? "Herald: \"{schedule_name}\" was only partly delivered" : "Herald: \"{schedule_name}\" failed"
            let what = alert.status == "partial" ? "was only partly delivered" : "failed"
            let times = alert.streak == 1 ? "This is its first failure in a row." : "It has failed \(alert.streak) times in a row."
            let rule = alert.rule
            let next = rule.failures == .first ? "Herald does not email you again while it keeps failing"
                : rule.every == 1 ? "Herald emails you about each failure"
                : "Herald emails you again if it is still failing after \(rule.every) more runs"
            let streak = "\(times) \(next)\(rule.recovery ? ", and once when it works again" : "")."

            markdown = """
                The run of **{schedule_name}** (report {report_name}) for {date} {time} (\(alert.timeZone)) \(what).

                Error: {alert_error}

                \(streak)

                [Open the run in Herald]({alert_link})
                """
        case .recovery:
            subject = "Herald: \"{schedule_name}\" is working again"
            markdown = """
                The run of **{schedule_name}** (report {report_name}) for {date} {time} (\(alert.timeZone)) succeeded, \
                after \(alert.streak) failed run\(alert.streak == 1 ? "" : "s") in a row.

                [Open the run in Herald]({alert_link})
                """
        }
        placeholders = ["alert_error": alert.error.isEmpty ? "(none recorded)" : alert.error, "alert_link": link]
    }

    /// A schedule that paused itself: the note (with the last error) is a value, as an alert's error is.
    init(_ paused: ScheduleAutoPause.Paused, baseURL: String) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        subject = "Herald: \"{schedule_name}\" paused itself"
        markdown = """
            **{schedule_name}** (report {report_name}) stopped running: its last \(paused.failures == 1 ? "run" : "\(paused.failures) runs") \
            failed or \(paused.failures == 1 ? "was" : "were") only partly delivered, the most recent for {date} {time} (\(paused.timeZone)).

            {alert_error}

            It runs again once you resume it on its page.

            [Open the schedule in Herald]({alert_link})
            """
        placeholders = ["alert_error": paused.note, "alert_link": base + "/schedules/" + paused.scheduleID.uuidString.lowercased()]
    }

    /// A slot whose run had not succeeded by the schedule's deadline.
    init(_ late: LateNotices.Late, baseURL: String) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        subject = "Herald: \"{schedule_name}\" is late"
        markdown = """
            The run of **{schedule_name}** (report {report_name}) for {date} {time} (\(late.timeZone)) had not succeeded \
            \(late.deadlineMinutes) minutes after its slot: it may be queued behind a slow data source, failing, or its \
            schedule paused itself. Herald tells you once per run.

            [Open it in Herald]({alert_link})
            """
        let link = late.executionID.map { base + "/executions/" + $0.uuidString.lowercased() }
            ?? base + "/schedules/" + late.scheduleID.uuidString.lowercased()
        placeholders = ["alert_link": link]
    }
}
