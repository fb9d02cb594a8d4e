import Foundation
import Testing
@testable import HeraldCore

/// Every relative date on many slots, checked against Python's own reading: `zoneinfo` for the local date and the
/// day's first instant, `dateutil.relativedelta` for months (it clamps to the month's end too). Neither shares code
/// with CivilDate or ZoneRules, so an arithmetic slip on either side shows up as a disagreement.
struct RelativeDatePythonParityTests {
    static let zones = ["UTC", "Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe",
                        "Asia/Kolkata", "Pacific/Apia", "America/St_Johns"]
    static let texts = RelativeDate.keywords.keys.sorted() + [
        "today-7d", "today+1w", "today-1m", "today+13m", "today+1y", "today-4y", "start_of_month-1m",
        "start_of_year-1y", "end_of_month-1m", "last_month_end-2m", "start_of_last_quarter+2m",
    ]

    static let script = """
        import functools, json, sys
        from datetime import datetime, timedelta, timezone
        from zoneinfo import ZoneInfo
        from dateutil.relativedelta import relativedelta as rd
        def keywords(t):
            sow = t - timedelta(days=t.weekday())
            som = t.replace(day=1)
            soq = t.replace(month=(t.month - 1) // 3 * 3 + 1, day=1)
            return {"today": t, "yesterday": t - timedelta(days=1), "tomorrow": t + timedelta(days=1),
                    "start_of_week": sow, "end_of_week": sow + timedelta(days=6),
                    "start_of_last_week": sow - timedelta(days=7), "end_of_last_week": sow - timedelta(days=1),
                    "start_of_month": som, "end_of_month": t + rd(day=31), "last_month_start": som - rd(months=1),
                    "last_month_end": som - timedelta(days=1), "start_of_quarter": soq,
                    "start_of_last_quarter": soq - rd(months=3), "start_of_year": t.replace(month=1, day=1),
                    "start_of_last_year": t.replace(year=t.year - 1, month=1, day=1)}
        units = {"d": lambda n: timedelta(days=n), "w": lambda n: timedelta(weeks=n),
                 "m": lambda n: rd(months=n), "y": lambda n: rd(years=n)}
        def resolve(text, t):
            for sign in "+-":
                if sign in text:
                    base, offset = text.split(sign)
                    n = int(offset[:-1]) * (1 if sign == "+" else -1)
                    return keywords(t)[base] + units[offset[-1]](n)
            return keywords(t)[text]
        @functools.cache
        def start_of_day(d, zone):
            # The first instant whose local date is d, found by scanning in quarter hours from 3 hours before
            # zoneinfo's own reading of local midnight (offsets and changes are whole quarter hours since 1999).
            t = datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(timezone.utc) - timedelta(hours=3)
            while t.astimezone(zone).date() < d:
                t += timedelta(minutes=15)
            while (t - timedelta(seconds=1)).astimezone(zone).date() == d:
                t -= timedelta(seconds=1)
            return t.strftime("%Y-%m-%dT%H:%M:%SZ")
        request = json.load(sys.stdin)
        answers = []
        for instant, name in request["slots"]:
            zone = ZoneInfo(name)
            today = datetime.fromtimestamp(instant, timezone.utc).astimezone(zone).date()
            dates = [resolve(text, today) for text in request["texts"]]
            answers.append([d.isoformat() + "|" + start_of_day(d, zone) for d in dates])
        print(json.dumps(answers))
        """

    /// Slots from 1999 to 2040, half of them within 90 minutes of a local midnight, where the UTC and local dates differ.
    static func slots() throws -> [(Int64, String)] {
        var state: UInt64 = 0x5EED
        func random(_ bound: Int64) -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64((state >> 33) % UInt64(bound))
        }
        let first = try #require(UTCInstant.parse("1999-01-01T00:00:00Z")), span: Int64 = 42 * 365 * 86_400
        return try (0..<1200).map { index in
            let zone = zones[index % zones.count]
            var instant = first + random(span)
            if index % 2 == 0 {
                let rules = try ZoneRules.named(zone)
                let midnight = instant - instant % 86_400
                instant = midnight - Int64(rules.offset(at: midnight)) + random(10_800) - 5_400
            }
            return (instant, zone)
        }
    }

    @Test func everyRelativeDateAgreesWithPythonOnManySlots() throws {
        let python = try #require(ProcessInfo.processInfo.environment["HERALD_TEST_PYTHON"], "HERALD_TEST_PYTHON is not set (deploy/test.sh sets it)")
        let slots = try Self.slots()
        let request = try JSONSerialization.data(withJSONObject: ["slots": slots.map { [$0.0, $0.1] as [Any] }, "texts": Self.texts])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(request)
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let answers = try #require(try JSONSerialization.jsonObject(with: data) as? [[String]])
        try #require(answers.count == slots.count)
        var disagreements: [String] = []
        for ((instant, zone), expected) in zip(slots, answers) {
            let time = LogicalTime(instant: instant, zone: try ZoneRules.named(zone))
            for (text, answer) in zip(Self.texts, expected) {
                guard let date = RelativeDate.resolve(text, today: time.localDate) else {
                    disagreements.append("\(text) did not resolve")
                    continue
                }
                let ours = ParameterValue.date(date).boundText + "|" + UTCInstant.format(time.startOfDay(date))
                if ours != answer { disagreements.append("\(text) at \(UTCInstant.format(instant)) in \(zone): \(ours), Python \(answer)") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        #expect(answers.count * Self.texts.count >= 20_000)
    }
}
