import Testing
@testable import HeraldCore

/// Relative dates resolve in the schedule's zone from the slot instant, never from the wall clock.
struct RelativeDateParameterTests {
    static func at(_ utc: String, _ zone: String) throws -> LogicalTime {
        LogicalTime(instant: try #require(UTCInstant.parse(utc)), zone: try ZoneRules.named(zone))
    }

    static func date(_ text: String, at time: LogicalTime) throws -> String {
        let parameter = ReportParameter(name: "from", type: .date)
        let value = try parameter.resolve(.string(text), at: time, field: "parameters.from")
        return try #require(value).boundText
    }

    static func startOfDay(_ text: String, at time: LogicalTime) throws -> String {
        let parameter = ReportParameter(name: "from", type: .timestamp)
        guard case .timestamp(let instant) = try parameter.resolve(.string(text), at: time, field: "parameters.from") else {
            Issue.record("\(text) is not a timestamp")
            return ""
        }
        return UTCInstant.format(instant)
    }

    /// 2026-03-01 00:30 in Berlin is 2026-02-28 23:30 UTC, and a Sunday: every keyword on the brief's example slot.
    @Test func everyKeywordResolvesFromTheLocalDateOfTheSlot() throws {
        let slot = try Self.at("2026-02-28T23:30:00Z", "Europe/Berlin")
        #expect(slot.localDate == CivilDate(year: 2026, month: 3, day: 1))
        let expected = [
            "today": "2026-03-01", "yesterday": "2026-02-28", "tomorrow": "2026-03-02",
            "start_of_week": "2026-02-23", "end_of_week": "2026-03-01",
            "start_of_last_week": "2026-02-16", "end_of_last_week": "2026-02-22",
            "start_of_month": "2026-03-01", "end_of_month": "2026-03-31",
            "last_month_start": "2026-02-01", "last_month_end": "2026-02-28",
            "start_of_quarter": "2026-01-01", "start_of_last_quarter": "2025-10-01",
            "start_of_year": "2026-01-01", "start_of_last_year": "2025-01-01",
            "today-7d": "2026-02-22", "today+1w": "2026-03-08", "start_of_month-1m": "2026-02-01",
            "start_of_year-1y": "2025-01-01", "TODAY": "2026-03-01", " today-1d ": "2026-02-28",
        ]
        #expect(Set(expected.keys).isSuperset(of: RelativeDate.keywords.keys))
        for (text, date) in expected { #expect(try Self.date(text, at: slot) == date, "\(text)") }
    }

    @Test func theSameInstantInUTCIsTheDayBefore() throws {
        let slot = try Self.at("2026-02-28T23:30:00Z", "UTC")
        #expect(try Self.date("today", at: slot) == "2026-02-28")
        #expect(try Self.date("start_of_week", at: slot) == "2026-02-23")
        #expect(try Self.date("end_of_month", at: slot) == "2026-02-28")
        #expect(try Self.date("start_of_month", at: slot) == "2026-02-01")
    }

    @Test func aLateEveningSlotInNewYorkIsStillThatLocalDay() throws {
        let slot = try Self.at("2026-11-02T04:30:00Z", "America/New_York")   // 23:30 EST on 1 November
        #expect(try Self.date("today", at: slot) == "2026-11-01")
        #expect(try Self.date("yesterday", at: slot) == "2026-10-31")
    }

    @Test func mondayIsTheFirstDayOfTheWeek() throws {
        let monday = try Self.at("2026-03-02T09:00:00Z", "UTC")
        #expect(try Self.date("start_of_week", at: monday) == "2026-03-02")
        #expect(try Self.date("end_of_week", at: monday) == "2026-03-08")
        #expect(try Self.date("start_of_last_week", at: monday) == "2026-02-23")
        #expect(try Self.date("end_of_last_week", at: monday) == "2026-03-01")
        let saturday = try Self.at("2026-03-07T09:00:00Z", "UTC")
        #expect(try Self.date("start_of_week", at: saturday) == "2026-03-02")
    }

    @Test func monthArithmeticClampsToTheLastDayOfTheMonth() throws {
        let cases: [(String, String, String)] = [
            ("2024-01-31T12:00:00Z", "today-1m", "2023-12-31"),
            ("2024-01-31T12:00:00Z", "today+1m", "2024-02-29"),
            ("2023-01-31T12:00:00Z", "today+1m", "2023-02-28"),
            ("2024-03-31T12:00:00Z", "today-1m", "2024-02-29"),
            ("2023-03-31T12:00:00Z", "today-1m", "2023-02-28"),
            ("2024-02-29T12:00:00Z", "today+1y", "2025-02-28"),
            ("2024-02-29T12:00:00Z", "today-4y", "2020-02-29"),
            ("2024-05-31T12:00:00Z", "today-3m", "2024-02-29"),
            ("2024-01-15T12:00:00Z", "today-13m", "2022-12-15"),
            ("2024-02-10T12:00:00Z", "end_of_month", "2024-02-29"),
            ("2100-02-10T12:00:00Z", "end_of_month", "2100-02-28"),
            ("2000-02-10T12:00:00Z", "end_of_month", "2000-02-29"),
            ("2024-03-05T12:00:00Z", "last_month_end", "2024-02-29"),
            ("2024-01-05T12:00:00Z", "last_month_start", "2023-12-01"),
            ("2024-01-05T12:00:00Z", "last_month_end", "2023-12-31"),
        ]
        for (slot, text, date) in cases { #expect(try Self.date(text, at: Self.at(slot, "UTC")) == date, "\(text) at \(slot)") }
    }

    @Test func quartersStartInJanuaryAprilJulyAndOctober() throws {
        let cases: [(String, String, String)] = [
            ("2024-05-15T12:00:00Z", "start_of_quarter", "2024-04-01"),
            ("2024-05-15T12:00:00Z", "start_of_last_quarter", "2024-01-01"),
            ("2024-02-10T12:00:00Z", "start_of_last_quarter", "2023-10-01"),
            ("2024-12-31T12:00:00Z", "start_of_quarter", "2024-10-01"),
            ("2024-07-01T00:00:00Z", "start_of_quarter", "2024-07-01"),
        ]
        for (slot, text, date) in cases { #expect(try Self.date(text, at: Self.at(slot, "UTC")) == date, "\(text) at \(slot)") }
    }

    /// A timestamp parameter's relative value is the first instant of that local day, whatever the day's length.
    @Test func timestampsStartAtLocalMidnightAcrossDaylightSavingChanges() throws {
        let berlinSpring = try Self.at("2026-03-29T01:30:00Z", "Europe/Berlin")   // 03:30 CEST, the 23-hour day
        #expect(try Self.startOfDay("today", at: berlinSpring) == "2026-03-28T23:00:00Z")
        #expect(try Self.startOfDay("tomorrow", at: berlinSpring) == "2026-03-29T22:00:00Z")
        let berlinAutumn = try Self.at("2026-10-25T00:30:00Z", "Europe/Berlin")   // 02:30 CEST, the first of two
        #expect(try Self.startOfDay("today", at: berlinAutumn) == "2026-10-24T22:00:00Z")
        #expect(try Self.startOfDay("tomorrow", at: berlinAutumn) == "2026-10-25T23:00:00Z")
        let newYorkSpring = try Self.at("2026-03-08T05:30:00Z", "America/New_York")   // 00:30 EST
        #expect(try Self.startOfDay("today", at: newYorkSpring) == "2026-03-08T05:00:00Z")
        #expect(try Self.startOfDay("tomorrow", at: newYorkSpring) == "2026-03-09T04:00:00Z")
        let newYorkAutumn = try Self.at("2026-11-01T05:30:00Z", "America/New_York")   // 01:30 EDT, before the repeat
        #expect(try Self.date("today", at: newYorkAutumn) == "2026-11-01")
        #expect(try Self.startOfDay("today", at: newYorkAutumn) == "2026-11-01T04:00:00Z")
        #expect(try Self.startOfDay("tomorrow", at: newYorkAutumn) == "2026-11-02T05:00:00Z")
    }

    /// Chile moves its clocks at midnight: 2024-09-08 has no 00:00, so the day starts at 01:00 (04:00 UTC).
    @Test func aDayWhoseMidnightIsSkippedStartsAfterTheGap() throws {
        let slot = try Self.at("2024-09-08T12:00:00Z", "America/Santiago")
        #expect(try Self.startOfDay("today", at: slot) == "2024-09-08T04:00:00Z")
        #expect(try Self.startOfDay("yesterday", at: slot) == "2024-09-07T04:00:00Z")
    }

    @Test func absoluteDatesAndTimestampsAreAcceptedInTheirISOForms() throws {
        let slot = try Self.at("2026-02-28T23:30:00Z", "Europe/Berlin")
        #expect(try Self.date("2024-02-29", at: slot) == "2024-02-29")
        let cases: [(String, String)] = [
            ("2026-03-01", "2026-02-28T23:00:00Z"),
            ("2026-03-01T08:00:00Z", "2026-03-01T08:00:00Z"),
            ("2026-03-01T08:00:00+01:00", "2026-03-01T07:00:00Z"),
            ("2026-03-01T08:00:00-0530", "2026-03-01T13:30:00Z"),
            ("2026-03-01T08:00:00+02", "2026-03-01T06:00:00Z"),
            ("2026-03-01 08:00", "2026-03-01T07:00:00Z"),
            ("2026-07-01T08:00:00", "2026-07-01T06:00:00Z"),
            ("2026-03-29T02:30:00", "2026-03-29T01:30:00Z"),   // in the spring gap: read with the offset before it
            ("2026-10-25T02:30:00", "2026-10-25T00:30:00Z"),   // in the repeated hour: the earlier one
        ]
        for (text, instant) in cases { #expect(try Self.startOfDay(text, at: slot) == instant, "\(text)") }
    }

    @Test func malformedDatesAreRefusedWithAnExample() throws {
        let slot = try Self.at("2026-02-28T23:30:00Z", "UTC")
        let date = ReportParameter(name: "from", type: .date)
        let timestamp = ReportParameter(name: "at", type: .timestamp)
        for text in ["2026-02-30", "2026-13-01", "26-03-01", "next tuesday", "", "2026-03-01T08:00:00Z", "start_of_decade"] {
            #expect(throws: ValidationError.self, "\(text)") { try date.resolve(.string(text), at: slot, field: "f") }
        }
        for text in ["2026-03-01T25:00:00", "2026-03-01T08:00:00+1", "2026-03-01T08:00:00.5Z", "2026-03-01X08:00"] {
            #expect(throws: ValidationError.self, "\(text)") { try timestamp.resolve(.string(text), at: slot, field: "f") }
        }
        #expect(throws: ValidationError(field: "parameters.from", message: "must be a date such as 2026-03-01, or a relative date such as today, yesterday, start_of_month or today-7d (got “next tuesday”)")) {
            try date.resolve(.string("next tuesday"), at: slot, field: "parameters.from")
        }
        for text in ["today-7q", "today+", "today-d", "today-1234567d", "today--1d", "today-٣d"] {
            #expect(throws: ValidationError(field: "f", message: "has an offset that is not understood; write a sign, a number and d, w, m or y, as in today-7d"), "\(text)") {
                try date.resolve(.string(text), at: slot, field: "f")
            }
        }
        #expect(throws: ValidationError(field: "f", message: "lands outside the years 1 to 9999")) {
            try date.resolve(.string("today+9000y"), at: slot, field: "f")
        }
    }
}
