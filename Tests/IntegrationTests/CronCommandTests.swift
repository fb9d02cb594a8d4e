import Testing
import TestSupport

/// `herald cron next|explain` as operators and other tools call them.
struct CronCommandTests {
    @Test func nextPrintsUTCInstantsStrictlyAfter() throws {
        let result = try runCommand(HeraldCommandTests.herald, ["cron", "next", "30 2 * * *", "--tz", "Europe/Berlin",
                                                                "--after", "2026-03-28T01:30:00Z", "--count", "2"])
        #expect(result.status == 0)
        #expect(result.output == "2026-03-29T01:00:00Z\n2026-03-30T00:30:00Z\n")
    }

    @Test(arguments: [
        ["cron", "next", "*/0 * * * *"],
        ["cron", "next", "0 0 * * *", "--tz", "Mars/Olympus"],
        ["cron", "next", "0 0 * * *", "--after", "yesterday"],
        ["cron", "next", "0 0 12 * * ?"],
        ["cron", "next", String(repeating: "9", count: 10_000)],
    ])
    func invalidInputExitsTwoWithOneLine(arguments: [String]) throws {
        let result = try runCommand(HeraldCommandTests.herald, arguments)
        #expect(result.status == 2)
        #expect(result.output.split(separator: "\n").count == 1, "\(result.output)")
        #expect(result.output.count < 600)
    }

    @Test func explainDescribesAndPreviews() throws {
        let result = try runCommand(HeraldCommandTests.herald, ["cron", "explain", "0 7 * * 1-5", "--tz", "Europe/Berlin"])
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.first == "At 07:00, on Monday to Friday, Europe/Berlin")
        #expect(lines.count == 6)
    }

    @Test func explainWarnsAboutAStepLargerThanItsRangeAndStillPreviews() throws {
        let result = try runCommand(HeraldCommandTests.herald, ["cron", "explain", "1 1 */100,1-7 * MON", "--tz", "Europe/Berlin"])
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.first == "At 01:01, on days 1 to 7 of the month, if it is Monday, Europe/Berlin")
        #expect(lines.filter { $0.hasPrefix("warning: ") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("warning: day-of-month: */100 picks only day 1") })
        #expect(lines.count == 8)
    }

    @Test func nextAcceptsLWAndRefusesMONLSuggesting1L() throws {
        let lw = try runCommand(HeraldCommandTests.herald, ["cron", "next", "0 18 LW * *", "--after", "2026-10-15T00:00:00Z", "--count", "2"])
        #expect(lw.status == 0)
        #expect(lw.output == "2026-10-30T18:00:00Z\n2026-11-30T18:00:00Z\n")
        let monl = try runCommand(HeraldCommandTests.herald, ["cron", "next", "0 0 * * MONL"])
        #expect(monl.status == 2)
        #expect(monl.output.contains("write 1L for the last Monday"))
    }
}
