import Foundation
import Testing
@testable import HeraldCore

/// The three places where Herald once disagreed with cronsim and cronie 1.6+: steps larger than their range (the
/// `*/100,1-7 * MON` idiom), `LW`, and `MONL`. Expected runs are written in local time in the comments; they were
/// checked against cronsim, and `deploy/cron-diff.py` keeps checking these paths on random cases.
struct CronCronsimParityTests {
    static func runs(_ expression: String, _ zone: String, after: String, count: Int) throws -> [String] {
        try CronSchedule(expression, timeZone: zone).nextRuns(after: UTCInstant.parse(after)!, count: count).map(UTCInstant.format)
    }

    /// Foundation's calendar, not CivilDate, so the expectation does not share the engine's arithmetic.
    static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func date(_ year: Int, _ month: Int, _ day: Int) -> Date {
        gregorian.date(from: DateComponents(year: year, month: month, day: day))!
    }

    // MARK: steps larger than their range

    @Test func aStepLargerThanItsRangePicksTheRangesFirstValue() throws {
        let minutes = { (e: String) in (0...59).filter(try CronExpression(e).matchesMinute) }
        #expect(try minutes("*/60 * * * *") == [0])
        #expect(try minutes("*/100 * * * *") == [0])
        #expect(try minutes("50/15 * * * *") == [50])
        #expect(try minutes("10-20/15 * * * *") == [10])
        #expect(try minutes("*/99999999999999999999999 * * * *") == [0])   // overflows Int: still only 0
        #expect(try (0...23).filter(CronExpression("0 */24 * * *").matchesHour) == [0])
        #expect(try CronExpression("0 0 */32 * *").daysOfMonth == 1 << 1)
        #expect(try CronExpression("0 0 1 */12 *").months == 1 << 1)
        #expect(try CronExpression("0 0 * * */100").weekdays == 1)             // Sunday
        #expect(try CronExpression("0 0 * * 3/100").weekdays == 1 << 3)
    }

    @Test func aStepLargerThanItsRangeIsAcceptedWithAWarningNamingTheFieldAndWhatItPicks() throws {
        let warnings = try CronExpression("*/100 5 1 */13 *").warnings
        #expect(warnings.count == 2)
        #expect(warnings.first { $0.hasPrefix("minute: */100") }?.contains("picks only minute 0") == true)
        #expect(warnings.first { $0.hasPrefix("month: */13") }?.contains("picks only January") == true)
        #expect(try CronExpression("0 0 * * 1-5/9").warnings == [
            "day-of-week: 1-5/9 picks only Monday: its step is larger than the range 1–5 it steps over",
        ])
        // Steps that pick at least two values are ordinary cron: no warning, as in cronie.
        for expression in ["*/59 * * * *", "*/15 */12 */30 */11 *", "0 0 * * */7", "10-20/10 * * * *", "0 0 1-7 * */7"] {
            #expect(try CronExpression(expression).warnings.isEmpty, "\(expression)")
        }
    }

    @Test func firstMondayIdiomANDsTheDayFieldsBecauseDayOfMonthStartsWithAStar() throws {
        let idiom = try CronExpression("1 1 */100,1-7 * MON")
        #expect(idiom.daysMustBothMatch)
        #expect(idiom.warnings.contains { $0.hasPrefix("day-of-month: */100 picks only day 1") })
        #expect(idiom.warnings.contains("day-of-month starts with *, so a day must match both day-of-month and day-of-week"))
        #expect(idiom.plainEnglish == "At 01:01, on days 1 to 7 of the month, if it is Monday")
        // The same trick from the other side: `*/100` in day-of-week is Sunday only, and its `*` ANDs the fields.
        #expect(try CronExpression("0 0 1-7 * */100").warnings.last
                == "day-of-week starts with *, so a day must match both day-of-month and day-of-week")
        // Mon 2026-12-07, Mon 2027-01-04, Mon 2027-02-01, Mon 2027-03-01, Mon 2027-04-05: across a year end.
        #expect(try Self.runs("1 1 */100,1-7 * MON", "UTC", after: "2026-11-15T00:00:00Z", count: 5)
                == ["2026-12-07T01:01:00Z", "2027-01-04T01:01:00Z", "2027-02-01T01:01:00Z", "2027-03-01T01:01:00Z",
                    "2027-04-05T01:01:00Z"])
        // Without the leading * both fields are restricted, so cron's OR rule applies: every Monday and days 1 to 7.
        #expect(try Self.runs("1 1 1,1-7 * MON", "UTC", after: "2026-11-15T00:00:00Z", count: 5)
                == ["2026-11-16T01:01:00Z", "2026-11-23T01:01:00Z", "2026-11-30T01:01:00Z", "2026-12-01T01:01:00Z",
                    "2026-12-02T01:01:00Z"])
    }

    @Test func firstMondayIdiomFiresOnExactlyTheFirstMondaysForTenYears() throws {
        let schedule = try CronSchedule("0 9 */100,1-7 * MON", timeZone: "UTC")
        let start = Self.date(2026, 1, 1)
        let runs = schedule.nextRuns(after: Int64(start.timeIntervalSince1970) - 1, count: 120)
        var expected: [Int64] = []
        var day = start
        while expected.count < 120 {
            let parts = Self.gregorian.dateComponents([.day, .weekday], from: day)
            if parts.weekday == 2, parts.day! <= 7 { expected.append(Int64(day.timeIntervalSince1970) + 9 * 3600) }
            day = Self.gregorian.date(byAdding: .day, value: 1, to: day)!
        }
        #expect(runs == expected)
    }

    @Test func anIdiomThatCanNeverMatchIsRefusedByTheFiringCheck() throws {
        // Day 1 that is also the fourth Monday: never (cronsim's own example).
        let never = try CronSchedule("1 1 */100 * MON#4", timeZone: "UTC")
        #expect(never.nextRun(after: UTCInstant.parse("2026-01-01T00:00:00Z")!) == nil)
        #expect(throws: ValidationError.self) { try never.checkFires(after: UTCInstant.parse("2026-01-01T00:00:00Z")!) }
    }

    // MARK: LW, the last weekday of the month

    @Test func lastWeekdayMatchesFoundationsCalendarForEveryMonthOfTwoCenturies() throws {
        let lw = try CronExpression("0 0 LW * *")
        for year in 1950...2150 {
            for month in 1...12 {
                var day = Self.gregorian.range(of: .day, in: .month, for: Self.date(year, month, 1))!.count
                while [1, 7].contains(Self.gregorian.component(.weekday, from: Self.date(year, month, day))) { day -= 1 }
                let matching = (1...CivilDate.daysIn(month: month, year: year))
                    .filter { lw.matchesDay(CivilDate(year: year, month: month, day: $0)) }
                #expect(matching == [day], "\(year)-\(month)")
            }
        }
    }

    @Test func lastWeekdayRunsAcrossMonthsAndYears() throws {
        // Fri 30 Oct (31st a Saturday), Mon 30 Nov, Thu 31 Dec, Fri 29 Jan 2027 (31st a Sunday), Fri 26 Feb, Wed 31 Mar.
        #expect(try Self.runs("0 18 LW * *", "UTC", after: "2026-10-15T00:00:00Z", count: 6)
                == ["2026-10-30T18:00:00Z", "2026-11-30T18:00:00Z", "2026-12-31T18:00:00Z", "2027-01-29T18:00:00Z",
                    "2027-02-26T18:00:00Z", "2027-03-31T18:00:00Z"])
        // February only: Fri 26 2027, Tue 29 2028 (a leap day), Wed 28 2029, Thu 28 2030, Fri 28 2031.
        #expect(try Self.runs("0 9 LW 2 *", "UTC", after: "2026-03-01T00:00:00Z", count: 5)
                == ["2027-02-26T09:00:00Z", "2028-02-29T09:00:00Z", "2029-02-28T09:00:00Z", "2030-02-28T09:00:00Z",
                    "2031-02-28T09:00:00Z"])
        // January in New York (EST, UTC-5): Fri 29 2027, Mon 31 2028, Wed 31 2029.
        #expect(try Self.runs("0 0 LW 1 *", "America/New_York", after: "2026-12-31T00:00:00Z", count: 3)
                == ["2027-01-29T05:00:00Z", "2028-01-31T05:00:00Z", "2029-01-31T05:00:00Z"])
    }

    @Test func lastWeekdayCombinesInListsAndWithDayOfWeekByTheOrRule() throws {
        #expect(try Self.runs("0 0 LW,15 * *", "UTC", after: "2026-10-15T00:00:00Z", count: 4)
                == ["2026-10-30T00:00:00Z", "2026-11-15T00:00:00Z", "2026-11-30T00:00:00Z", "2026-12-15T00:00:00Z"])
        // LW does not start with *, so with a restricted day-of-week either may match: Mondays, or Fri 30 Oct.
        #expect(try Self.runs("0 0 LW * 1", "UTC", after: "2026-10-20T00:00:00Z", count: 4)
                == ["2026-10-26T00:00:00Z", "2026-10-30T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"])
        let lastDays = try CronExpression("0 0 L,LW * *")
        #expect(lastDays.matchesDay(CivilDate(year: 2026, month: 10, day: 30)))    // Friday, the last weekday
        #expect(lastDays.matchesDay(CivilDate(year: 2026, month: 10, day: 31)))    // Saturday, the last day
        #expect(!lastDays.matchesDay(CivilDate(year: 2026, month: 10, day: 29)))
    }

    @Test func lastWeekdayFollowsTheDSTRulesWhenATransitionFallsOnIt() throws {
        // Jerusalem, Fri 2024-03-29 (March's last weekday): 02:00 IST → 03:00 IDT. 02:30 does not exist and fires at
        // 03:00 IDT; Tue 2024-04-30 at 02:30 IDT.
        #expect(try Self.runs("30 2 LW * *", "Asia/Jerusalem", after: "2024-03-20T00:00:00Z", count: 2)
                == ["2024-03-29T00:00:00Z", "2024-04-29T23:30:00Z"])
        // Cairo, Fri 2027-04-30 (April's last weekday) starts inside a gap: 00:00 EET → 01:00 EEST. Midnight fires
        // at 01:00 EEST; then Mon 2027-05-31 00:00 EEST.
        #expect(try Self.runs("0 0 LW * *", "Africa/Cairo", after: "2027-04-20T00:00:00Z", count: 2)
                == ["2027-04-29T22:00:00Z", "2027-05-30T21:00:00Z"])
        // A real-time expression on that day: the missing 00:xx hour collapses into 01:00 (cronsim's rule).
        #expect(try Self.runs("*/30 * LW * *", "Africa/Cairo", after: "2027-04-29T21:00:00Z", count: 4)
                == ["2027-04-29T22:00:00Z", "2027-04-29T22:30:00Z", "2027-04-29T23:00:00Z", "2027-04-29T23:30:00Z"])
        // Cairo, Thu 2024-10-31 (October's last weekday): at 24:00 EEST clocks go back to 23:00 EET. A fixed 23:30
        // runs once, at 23:30 EEST; then Fri 2024-11-29 23:30 EET.
        #expect(try Self.runs("30 23 LW * *", "Africa/Cairo", after: "2024-10-30T00:00:00Z", count: 2)
                == ["2024-10-31T20:30:00Z", "2024-11-29T21:30:00Z"])
        // `*/30` in the minute field follows real time: both 23:xx hours run.
        #expect(try Self.runs("*/30 23 LW * *", "Africa/Cairo", after: "2024-10-30T00:00:00Z", count: 5)
                == ["2024-10-31T20:00:00Z", "2024-10-31T20:30:00Z", "2024-10-31T21:00:00Z", "2024-10-31T21:30:00Z",
                    "2024-11-29T21:00:00Z"])
    }

    @Test func lastWeekdayIsDescribedAndPreviewedWithItsDSTNote() throws {
        #expect(try CronExpression("0 18 LW * *").plainEnglish == "At 18:00, on the last weekday (Monday to Friday) of the month")
        #expect(try CronExpression("0 18 15,LW * *").plainEnglish
                == "At 18:00, on day 15 and the last weekday (Monday to Friday) of the month")
        let jerusalem = try CronSchedule("30 2 LW * *", timeZone: "Asia/Jerusalem")
        #expect(jerusalem.warnings.isEmpty)
        let preview = jerusalem.preview(after: UTCInstant.parse("2024-03-20T00:00:00Z")!, count: 2, viewerZone: .utc)
        #expect(preview.map(\.scheduleLocal) == ["2024-03-29 03:00 +03:00", "2024-04-30 02:30 +03:00"])
        #expect(preview[0].note?.contains("does not exist") == true)
        #expect(preview[1].note == nil)
    }

    @Test func previewsCarryTheWarningsOfTheFirstMondayIdiom() throws {
        let schedule = try CronSchedule("1 1 */100,1-7 * MON", timeZone: "Europe/Berlin")
        #expect(schedule.warnings == schedule.expression.warnings)
        #expect(schedule.warnings.count == 2)
        let preview = schedule.preview(after: UTCInstant.parse("2026-11-15T00:00:00Z")!, count: 2, viewerZone: .utc)
        #expect(preview.map(\.scheduleLocal) == ["2026-12-07 01:01 +01:00", "2027-01-04 01:01 +01:00"])
    }

    // MARK: refused as cronsim refuses them

    @Test(arguments: [
        ("0 0 * * MONL", "MONL: write 1L for the last Monday"),
        ("0 0 * * fril", "FRIL: write 5L for the last Friday"),
        ("0 0 * * XL", "L follows a day's number, as in 5L"),
        ("0 0 15W * *", "15W: nW (the weekday nearest day n) is not supported"),
        ("0 0 1,15W * *", "nW"),
        ("0 0 LW-3 * *", "LW (its last weekday) stand alone"),
        ("0 0 LW/2 * *", "stand alone"),
        ("0 0 LWX * *", "stand alone"),
    ])
    func refusesWhatCronsimRefusesSayingWhatToWrite(expression: String, message: String) {
        do {
            _ = try CronExpression(expression)
            Issue.record("\(expression) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(expression): \(error)")
        }
    }

    @Test func numberedLastWeekdayStillWorksForBothSundays() throws {
        let lastMonday = try CronExpression("0 0 * * 1L")
        #expect(lastMonday.matchesDay(CivilDate(year: 2026, month: 11, day: 30)))
        #expect(!lastMonday.matchesDay(CivilDate(year: 2026, month: 11, day: 23)))
        #expect(try CronExpression("0 0 * * 0L").lastWeekdays == CronExpression("0 0 * * 7L").lastWeekdays)
    }

    // MARK: descriptions of day fields that start with *

    @Test func describesStarredDayFieldsThatStillLeaveDaysOut() throws {
        #expect(try CronExpression("0 0 */10 * *").plainEnglish == "At 00:00, on day 1, day 11, day 21 and day 31 of the month")
        #expect(try CronExpression("0 0 * * */2").plainEnglish == "At 00:00, on Sunday, Tuesday, Thursday and Saturday")
        #expect(try CronExpression("0 0 13 * 5").plainEnglish == "At 00:00, on day 13 of the month or on Friday")
        // Both fields restricted and one of them is every day: cron's OR makes it every day.
        #expect(try CronExpression("0 0 1-31 * MON").plainEnglish == "At 00:00")
    }
}
