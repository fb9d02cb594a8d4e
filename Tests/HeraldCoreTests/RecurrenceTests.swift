import Foundation
import Testing
@testable import HeraldCore

struct RecurrenceTests {
    @Test(arguments: [
        (Recurrence(kind: .everyMinutes, timeZone: "UTC", interval: 15), "*/15 * * * *", "Every 15 minutes, UTC"),
        (Recurrence(kind: .everyHours, timeZone: "UTC", interval: 6, minute: 5), "5 */6 * * *", "Every 6 hours at minute 5, UTC"),
        (Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "07:00", weekdaysOnly: true), "0 7 * * 1-5",
         "Every weekday at 07:00, Europe/Berlin"),
        (Recurrence(kind: .daily, timeZone: "UTC", time: "23:45"), "45 23 * * *", "Every day at 23:45, UTC"),
        (Recurrence(kind: .weekly, timeZone: "UTC", time: "08:30", days: [5, 1]), "30 8 * * 1,5",
         "Every week on Monday and Friday at 08:30, UTC"),
        (Recurrence(kind: .monthlyDay, timeZone: "UTC", time: "06:00", dayOfMonth: 15), "0 6 15 * *", "Every month on day 15 at 06:00, UTC"),
        (Recurrence(kind: .monthlyDay, timeZone: "UTC", time: "06:00", lastDay: true), "0 6 L * *", "Every month on the last day at 06:00, UTC"),
        (Recurrence(kind: .monthlyWeekday, timeZone: "UTC", time: "09:00", ordinal: 1, weekday: 1), "0 9 * * 1#1",
         "Every month on the first Monday at 09:00, UTC"),
        (Recurrence(kind: .monthlyWeekday, timeZone: "UTC", time: "17:00", ordinal: -1, weekday: 5), "0 17 * * 5L",
         "Every month on the last Friday at 17:00, UTC"),
        (Recurrence(kind: .custom, timeZone: "UTC", cron: "0 7 * * mon-fri"), "0 7 * * MON-FRI", "At 07:00, on Monday to Friday, UTC"),
    ])
    func compilesToCanonicalCronAndDescribesItself(recurrence: Recurrence, cron: String, description: String) throws {
        #expect(try recurrence.canonicalCron() == cron)
        #expect(try recurrence.describe() == description)
        guard case .cron = try recurrence.compile() else { Issue.record("not a cron"); return }
    }

    @Test func roundTripsThroughJSON() throws {
        let recurrence = Recurrence(kind: .weekly, timeZone: "Europe/Berlin", time: "07:00", days: [1, 3])
        let data = try JSONEncoder().encode(recurrence)
        #expect(try JSONDecoder().decode(Recurrence.self, from: data) == recurrence)
        #expect(String(decoding: data, as: UTF8.self).contains(#""kind":"weekly""#))
        #expect(String(decoding: data, as: UTF8.self).contains(#""time_zone":"Europe\/Berlin""#))
    }

    @Test func startEndAndMaximumRunsBoundTheRuns() throws {
        var daily = Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "07:00")
        daily.startsAt = "2026-12-01T00:00"
        daily.endsAt = "2026-12-03T07:00"
        let now = UTCInstant.parse("2026-11-23T00:00:00Z")!
        var runs: [String] = []
        var cursor = now
        while let next = try daily.nextRun(after: cursor, runsSoFar: runs.count) {
            runs.append(UTCInstant.format(next))
            cursor = next
        }
        #expect(runs == ["2026-12-01T06:00:00Z", "2026-12-02T06:00:00Z", "2026-12-03T06:00:00Z"])
        daily.maxRuns = 2
        #expect(try daily.nextRun(after: now, runsSoFar: 2) == nil)
        #expect(try daily.nextRun(after: now, runsSoFar: 1) != nil)
        daily.endsAt = "2026-11-01T00:00"
        #expect(throws: ValidationError.self) { try daily.nextRun(after: now, runsSoFar: 0) }
    }

    @Test func aOneOffRunInAGapMovesToTheEndOfIt() throws {
        let once = Recurrence(kind: .once, timeZone: "Europe/Berlin", at: "2026-03-29T02:30")
        guard case .once(let instant) = try once.compile() else { Issue.record("not once"); return }
        #expect(UTCInstant.format(instant) == "2026-03-29T01:00:00Z")
        #expect(try once.describe() == "Once, on 2026-03-29 at 02:30, Europe/Berlin")
    }

    @Test(arguments: [
        (Recurrence(kind: .everyMinutes, timeZone: "UTC", interval: 7), "interval"),
        (Recurrence(kind: .everyHours, timeZone: "UTC", interval: 5), "interval"),
        (Recurrence(kind: .daily, timeZone: "UTC", time: "7am"), "time"),
        (Recurrence(kind: .daily, timeZone: "UTC", time: "24:00"), "time"),
        (Recurrence(kind: .weekly, timeZone: "UTC", time: "07:00", days: []), "days"),
        (Recurrence(kind: .monthlyDay, timeZone: "UTC", time: "07:00", dayOfMonth: 32), "day_of_month"),
        (Recurrence(kind: .monthlyWeekday, timeZone: "UTC", time: "07:00", ordinal: 6, weekday: 1), "ordinal"),
        (Recurrence(kind: .custom, timeZone: "UTC", cron: "0 0 12 * * ?"), "cron"),
        (Recurrence(kind: .once, timeZone: "UTC", at: "tomorrow"), "at"),
        (Recurrence(kind: .daily, timeZone: "Mars/Base", time: "07:00"), "time_zone"),
    ])
    func namesTheBadField(recurrence: Recurrence, field: String) {
        do {
            _ = try recurrence.compile()
            Issue.record("accepted")
        } catch let error as ValidationError {
            #expect(error.field == field, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

struct SchedulePoliciesTests {
    @Test func misfirePoliciesChooseWhatToRun() {
        let missed: [Int64] = [3600, 7200, 10_800, 14_400, 18_000, 21_600]
        #expect(MisfirePolicy.skip.plan(missed: missed, now: 22_000, catchUpWindow: 3600) == ([], 6))
        #expect(MisfirePolicy.runOnce.plan(missed: missed, now: 22_000, catchUpWindow: 3600) == ([21_600], 5))
        #expect(MisfirePolicy.runAll.plan(missed: missed, now: 22_000, catchUpWindow: 7200) == ([18_000, 21_600], 4))
        #expect(MisfirePolicy.runOnce.plan(missed: [], now: 0, catchUpWindow: 0) == ([], 0))
    }

    @Test func jitterIsStableAndSpreadsSchedules() {
        #expect(Jitter.seconds(scheduleID: "A1B2", maximum: 300) == Jitter.seconds(scheduleID: "a1b2", maximum: 300))
        #expect(Jitter.seconds(scheduleID: "x", maximum: 0) == 0)
        let values = (0..<500).map { _ in Jitter.seconds(scheduleID: UUID().uuidString, maximum: 300) }
        #expect(values.allSatisfy { (0...300).contains($0) })
        #expect(Set(values).count > 200)
    }

    @Test func minimumIntervalIsCheckedOnActualRuns() throws {
        let after = UTCInstant.parse("2026-01-01T00:00:00Z")!
        let halfHourly = try CronSchedule("*/30 * * * *", timeZone: "UTC")
        let error = #expect(throws: ValidationError.self) { try halfHourly.checkMinimumInterval(3600, after: after) }
        #expect(error?.message.contains("30 minutes apart") == true)
        #expect(error?.message.contains("1 hour") == true)
        #expect(throws: Never.self) { try CronSchedule("0 * * * *", timeZone: "UTC").checkMinimumInterval(3600, after: after) }
        // 01:30 and 02:30 Berlin: on 2026-03-29 they are 30 real minutes apart, but an hour by the clock.
        let dst = try CronSchedule("30 1,2 * * *", timeZone: "Europe/Berlin")
        #expect(throws: Never.self) { try dst.checkMinimumInterval(3600, after: UTCInstant.parse("2026-03-28T12:00:00Z")!) }
        #expect(throws: Never.self) { try CronSchedule("* * * * *", timeZone: "UTC").checkMinimumInterval(60, after: after) }
    }

    @Test func previewFlagsRunsThatDSTMovedOrMerged() throws {
        let berlin = try CronSchedule("30 2 * * *", timeZone: "Europe/Berlin")
        let spring = berlin.preview(after: UTCInstant.parse("2026-03-28T12:00:00Z")!, count: 2, viewerZone: try ZoneRules.named("America/New_York"))
        #expect(spring[0].scheduleLocal == "2026-03-29 03:00 +02:00")
        #expect(spring[0].viewerLocal == "2026-03-28 21:00 -04:00")
        #expect(spring[0].utc == "2026-03-29T01:00:00Z")
        #expect(spring[0].note?.contains("does not exist") == true)
        #expect(spring[1].note == nil)
        let autumn = berlin.preview(after: UTCInstant.parse("2026-10-24T12:00:00Z")!, count: 1, viewerZone: .utc)
        #expect(autumn[0].note?.contains("occurs twice") == true)
        let hourly = try CronSchedule("0 * * * *", timeZone: "Europe/Berlin")
            .preview(after: UTCInstant.parse("2026-10-24T23:30:00Z")!, count: 3, viewerZone: .utc)
        #expect(hourly.map(\.note).compactMap { $0 }.count == 2)
    }

    @Test func conflictsAreSameReportSameDestinationCloseInTime() throws {
        let now = UTCInstant.parse("2026-11-23T00:00:00Z")!
        let candidate = ScheduledDelivery(id: "new", reportID: "sales", destinationIDs: ["finance-sftp"],
                                          schedule: try CronSchedule("0 7 * * 1-5", timeZone: "Europe/Berlin"))
        let existing = [
            ScheduledDelivery(id: "close", reportID: "sales", destinationIDs: ["finance-sftp", "mail"],
                              schedule: try CronSchedule("5 6 * * *", timeZone: "UTC")),
            ScheduledDelivery(id: "other-report", reportID: "stock", destinationIDs: ["finance-sftp"],
                              schedule: try CronSchedule("0 7 * * *", timeZone: "Europe/Berlin")),
            ScheduledDelivery(id: "other-place", reportID: "sales", destinationIDs: ["mail"],
                              schedule: try CronSchedule("0 7 * * *", timeZone: "Europe/Berlin")),
            ScheduledDelivery(id: "far", reportID: "sales", destinationIDs: ["finance-sftp"],
                              schedule: try CronSchedule("0 18 * * *", timeZone: "Europe/Berlin")),
        ]
        let conflicts = ScheduleConflicts.find(candidate: candidate, existing: existing, from: now, window: 600)
        #expect(conflicts.map(\.otherID) == ["close"])
        #expect(conflicts.first.map { abs($0.candidateRun - $0.otherRun) } == 300)
    }

    @Test func loadHistogramShowsTheTopOfTheHourPileUp() throws {
        let now = UTCInstant.parse("2026-11-23T00:00:00Z")!
        var schedules = try (0..<20).map { _ in try CronSchedule("0 7 * * *", timeZone: "UTC") }
        schedules.append(try CronSchedule("30 * * * *", timeZone: "UTC"))
        let histogram = LoadHistogram(schedules: schedules, from: now, days: 7)
        let top = histogram.busiest(1)
        #expect(top.first?.runs == 20)
        #expect(UTCInstant.format(top.first!.minute * 60) == "2026-11-23T07:00:00Z")
        #expect(histogram.byMinuteOfHour[0] == 140)
        #expect(histogram.byMinuteOfHour[30] == 168)
        #expect(histogram.quietestMinuteOfHour == 1)
    }
}
