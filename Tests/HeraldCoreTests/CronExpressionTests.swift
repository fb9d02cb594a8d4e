import Testing
@testable import HeraldCore

struct CronExpressionTests {
    func minutes(_ e: String) throws -> [Int] { let c = try CronExpression(e); return (0...59).filter(c.matchesMinute) }
    func hours(_ e: String) throws -> [Int] { let c = try CronExpression(e); return (0...23).filter(c.matchesHour) }

    @Test func parsesNumbersRangesStepsAndLists() throws {
        #expect(try minutes("*/15 * * * *") == [0, 15, 30, 45])
        #expect(try minutes("5 * * * *") == [5])
        #expect(try minutes("10-14 * * * *") == [10, 11, 12, 13, 14])
        #expect(try minutes("10-20/5 * * * *") == [10, 15, 20])
        #expect(try minutes("50/4 * * * *") == [50, 54, 58])
        #expect(try minutes("1,3,58-59 * * * *") == [1, 3, 58, 59])
        #expect(try hours("0 9-17/4 * * *") == [9, 13, 17])
        #expect(try hours("0 * * * *") == Array(0...23))
    }

    @Test func readsNamesInAnyCaseAndBothSundays() throws {
        let e = try CronExpression("0 0 * jan-Mar sun,7,Wed")
        #expect((1...12).filter(e.matchesMonth) == [1, 2, 3])
        #expect(e.weekdays == 0b0001001)
        #expect(try CronExpression("0 0 * * 0").weekdays == CronExpression("0 0 * * 7").weekdays)
        #expect(try CronExpression("0 0 * * 5-7").weekdays == 0b1100001)
    }

    @Test func expandsMacros() throws {
        #expect(try CronExpression("@yearly").description == "0 0 1 1 *")
        #expect(try CronExpression("@ANNUALLY").description == "0 0 1 1 *")
        #expect(try CronExpression("@monthly").description == "0 0 1 * *")
        #expect(try CronExpression("@weekly").description == "0 0 * * 0")
        #expect(try CronExpression("@daily").description == "0 0 * * *")
        #expect(try CronExpression("@midnight").description == "0 0 * * *")
        #expect(try CronExpression("@hourly").description == "0 * * * *")
    }

    @Test func matchesDaysWithTheCronieRule() throws {
        let friday13 = CivilDate(year: 2026, month: 11, day: 13)   // a Friday
        let thirteenth = CivilDate(year: 2026, month: 10, day: 13) // a Tuesday
        let friday = CivilDate(year: 2026, month: 11, day: 20)
        let either = try CronExpression("0 0 13 * 5")
        #expect(either.matchesDay(friday13) && either.matchesDay(thirteenth) && either.matchesDay(friday))
        let both = try CronExpression("0 0 */13 * 5")  // a field starting with * makes it AND: days 1, 14, 27
        #expect(both.matchesDay(CivilDate(year: 2026, month: 11, day: 27)))   // the 27th and a Friday
        #expect(!both.matchesDay(friday))                                     // a Friday, the 20th
        #expect(!both.matchesDay(CivilDate(year: 2026, month: 11, day: 14)))  // the 14th, a Saturday
        #expect(try CronExpression("0 0 * * 5").matchesDay(friday))
    }

    @Test func supportsLastDayLastWeekdayAndNthWeekday() throws {
        let last = try CronExpression("0 0 L * *")
        #expect(last.matchesDay(CivilDate(year: 2028, month: 2, day: 29)))
        #expect(!last.matchesDay(CivilDate(year: 2028, month: 2, day: 28)))
        #expect(last.matchesDay(CivilDate(year: 2026, month: 4, day: 30)))
        let lastFriday = try CronExpression("0 0 * * 5L")
        #expect(lastFriday.matchesDay(CivilDate(year: 2026, month: 11, day: 27)))
        #expect(!lastFriday.matchesDay(CivilDate(year: 2026, month: 11, day: 20)))
        let firstMonday = try CronExpression("0 0 * * MON#1")
        #expect(firstMonday.matchesDay(CivilDate(year: 2026, month: 11, day: 2)))
        #expect(!firstMonday.matchesDay(CivilDate(year: 2026, month: 11, day: 9)))
        let fifthSunday = try CronExpression("0 0 * * 0#5")
        #expect(fifthSunday.matchesDay(CivilDate(year: 2026, month: 11, day: 29)))
    }

    @Test(arguments: [
        ("", "expected 5"),
        ("* * * *", "has 4 fields; expected 5"),
        ("0 0 12 * * ?", "Quartz"),
        ("0 0 12 * * MON 2026", "seconds first"),
        ("60 * * * *", "minute: 60 is outside 0–59"),
        ("0 24 * * *", "hour: 24 is outside 0–23"),
        ("0 0 0 * *", "day-of-month: 0 is outside 1–31"),
        ("0 0 * 13 *", "month: 13 is outside 1–12"),
        ("0 0 * * 8", "day-of-week: 8 is outside 0–7"),
        ("*/0 * * * *", "minute: a step of 0 never advances"),
        ("5-2 * * * *", "minute: the range 5-2 runs backwards"),
        (", * * * *", "minute: has an empty item"),
        ("0 0 L-35 * *", "day-of-month: L (the last day of the month) and LW (its last weekday) stand alone"),
        ("0 0 * * MONL", "day-of-week: MONL: write 1L"),
        ("0 0 15W * *", "day-of-month: 15W: nW"),
        ("*/x * * * *", "minute: the step after / must be a number"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 * * 1#6", "day-of-week: after # comes which week"),
        ("@reboot", "is not a macro Herald knows"),
        ("x * * * *", "minute: X is not a number"),
        ("0 0 * * FOO", "day-of-week: FOO is not a number or a name"),
    ])
    func rejectsBadInputNamingTheFieldAndReason(expression: String, message: String) {
        do {
            _ = try CronExpression(expression)
            Issue.record("\(expression) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(expression): \(error)")
        }
    }

    @Test func hostileInputNeverCrashesOrHangs() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789*/-,#L?WJANFEBSUNMONx @ \t")
        var inputs = [String(repeating: "9", count: 10_000), String(repeating: "*/1,", count: 3000), "TZ=TZ=TZ=",
                      "L-35 * * * *", "0 0 31 2,4,6,9,11 *", "\u{0}\u{0}\u{0}\u{0}\u{0}", "1-1-1 * * * *", "1//2 * * * *"]
        for _ in 0..<3000 {
            let length = Int.random(in: 0...40, using: &generator)
            inputs.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        let clock = ContinuousClock()
        for input in inputs {
            let started = clock.now
            if let schedule = try? CronSchedule(input, timeZone: "Europe/Berlin") {
                _ = schedule.nextRuns(after: 1_800_000_000, count: 3)
            }
            #expect(clock.now - started < .milliseconds(100), "\(input.prefix(40))")
        }
    }

    @Test func refusesUnknownOrHostileZones() {
        for zone in ["Mars/Olympus", "", "../../etc/passwd", "/usr/share/zoneinfo/UTC", String(repeating: "A", count: 5000)] {
            #expect(throws: ValidationError.self) { try ZoneRules.named(zone) }
        }
    }
}
