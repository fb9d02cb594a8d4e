import Testing
@testable import HeraldCore

/// Every listed zone × daily, weekly, monthly, hourly and every-15-minutes schedules × both 2026 transitions, checked
/// against what the DST rules promise (the exact instants are checked against cronsim by deploy/cron-diff.py).
struct CronScheduleDSTMatrixTests {
    static let zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Africa/Cairo",
                        "Asia/Kolkata", "Pacific/Chatham"]
    static let year2026 = UTCInstant.parse("2026-01-01T00:00:00Z")!...UTCInstant.parse("2026-12-31T23:59:59Z")!

    static func transitions(_ zone: ZoneRules) -> [Int64] {
        let inYear = zone.transitions.filter { year2026.contains($0) }
        return inYear.isEmpty ? [UTCInstant.parse("2026-06-15T12:00:00Z")!] : inYear   // Kolkata: an ordinary day
    }

    static func runs(_ schedule: CronSchedule, around t: Int64, days: Int64) -> [Int64] {
        var runs: [Int64] = []
        var cursor = t - days * 86_400
        while let next = schedule.nextRun(after: cursor), next < t + days * 86_400 {
            runs.append(next)
            cursor = next
        }
        return runs
    }

    @Test(arguments: zones)
    func fixedTimeDailyRunsExactlyOncePerLocalDay(zoneName: String) throws {
        let zone = try ZoneRules.named(zoneName)
        for expression in ["30 2 * * *", "0 0 * * *", "45 1 * * *", "15 2 * * *"] {
            let schedule = CronSchedule(expression: try CronExpression(expression), zone: zone)
            for t in Self.transitions(zone) {
                let runs = Self.runs(schedule, around: t, days: 4)
                let localDays = runs.map { WallTime(seconds: zone.wall(at: $0).wall).days }
                #expect(Set(localDays).count == runs.count, "\(expression) in \(zoneName) ran twice on a day near \(t)")
                #expect(localDays.count >= 7, "\(expression) in \(zoneName) skipped a day near \(t): \(runs.map(UTCInstant.format))")
                if let first = localDays.first, let last = localDays.last {
                    #expect(last - first + 1 == localDays.count, "\(expression) in \(zoneName) skipped a day near \(t)")
                }
            }
        }
    }

    @Test(arguments: zones)
    func weeklyAndMonthlyRunsKeepTheirCadence(zoneName: String) throws {
        let zone = try ZoneRules.named(zoneName)
        let weekly = CronSchedule(expression: try CronExpression("30 2 * * 0"), zone: zone)
        let monthly = CronSchedule(expression: try CronExpression("30 0 1 * *"), zone: zone)
        for t in Self.transitions(zone) {
            let weeks = Self.runs(weekly, around: t, days: 30)
            #expect(weeks.count >= 8)
            for (a, b) in zip(weeks, weeks.dropFirst()) {
                #expect((6 * 86_400...8 * 86_400).contains(b - a), "weekly in \(zoneName): \(UTCInstant.format(a)) → \(UTCInstant.format(b))")
            }
            let months = Self.runs(monthly, around: t, days: 70)
            #expect(months.count >= 4)
            for run in months { #expect(WallTime(seconds: zone.wall(at: run).wall).date.day == 1) }
        }
    }

    @Test(arguments: zones)
    func hourlyAndQuarterHourlyRunsFollowRealTime(zoneName: String) throws {
        let zone = try ZoneRules.named(zoneName)
        let quarter = CronSchedule(expression: try CronExpression("*/15 * * * *"), zone: zone)
        let hourly = CronSchedule(expression: try CronExpression("0 * * * *"), zone: zone)
        for t in Self.transitions(zone) {
            let quarters = Self.runs(quarter, around: t, days: 1)
            for (a, b) in zip(quarters, quarters.dropFirst()) {
                #expect(b - a == 900, "*/15 in \(zoneName): \(UTCInstant.format(a)) → \(UTCInstant.format(b))")
            }
            let hours = Self.runs(hourly, around: t, days: 1)
            for run in hours { #expect(WallTime(seconds: zone.wall(at: run).wall).minute == 0) }
            for (a, b) in zip(hours, hours.dropFirst()) {
                // A whole-hour shift keeps runs an hour apart; Lord Howe's half-hour shift makes one gap 30 or 90 minutes.
                #expect([1800, 3600, 5400].contains(b - a), "hourly in \(zoneName): \(UTCInstant.format(a)) → \(UTCInstant.format(b))")
            }
            #expect(hours.count >= 46)
        }
    }

    @Test func aScheduleThatNeverFiresIsRefused() throws {
        let now = UTCInstant.parse("2026-11-23T00:00:00Z")!
        #expect(throws: CronError.self) { try CronSchedule("0 0 31 4 *", timeZone: "UTC") }
        // The fifth Sunday of February needs a leap year whose 29th is a Sunday: 2032.
        #expect(try CronSchedule("0 0 * 2 0#5", timeZone: "UTC").nextRun(after: now).map(UTCInstant.format) == "2032-02-29T00:00:00Z")
        #expect(throws: Never.self) { try CronSchedule("0 0 29 2 *", timeZone: "UTC").checkFires(after: now) }
        #expect(try CronSchedule("0 0 29 2 *", timeZone: "UTC").nextRun(after: now).map(UTCInstant.format) == "2028-02-29T00:00:00Z")
    }
}
