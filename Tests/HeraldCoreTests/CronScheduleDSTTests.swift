import Foundation
import Testing
@testable import HeraldCore

/// Herald's DST rules on the zones that break schedulers: each expectation is written in local time and UTC.
struct CronScheduleDSTTests {
    static func instant(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        return Int64(formatter.date(from: text)!.timeIntervalSince1970)
    }

    static func runs(_ expression: String, _ zone: String, after: String, count: Int) throws -> [String] {
        let formatter = ISO8601DateFormatter()
        return try CronSchedule(expression, timeZone: zone).nextRuns(after: instant(after), count: count)
            .map { formatter.string(from: Date(timeIntervalSince1970: TimeInterval($0))) }
    }

    @Test func springForwardMovesAFixedTimeRunToTheEndOfTheGap() throws {
        // Berlin 2026-03-29 02:00 CET → 03:00 CEST: 02:30 does not exist and fires at 03:00 CEST.
        #expect(try Self.runs("30 2 * * *", "Europe/Berlin", after: "2026-03-28T00:00:00Z", count: 3)
                == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
        // New York 2026-03-08 02:00 EST → 03:00 EDT.
        #expect(try Self.runs("30 2 * * *", "America/New_York", after: "2026-03-07T12:00:00Z", count: 2)
                == ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
    }

    @Test func fallBackRunsAFixedTimeJobOnce() throws {
        // New York 2026-11-01 02:00 EDT → 01:00 EST: 01:30 happens twice, the job runs at the first.
        #expect(try Self.runs("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00Z", count: 2)
                == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        // Berlin 2026-10-25 03:00 CEST → 02:00 CET.
        #expect(try Self.runs("30 2 * * *", "Europe/Berlin", after: "2026-10-24T12:00:00Z", count: 2)
                == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
    }

    @Test func subHourlyJobsFollowRealTimeThroughBothTransitions() throws {
        // Both 01:xx hours in New York on 2026-11-01 run.
        #expect(try Self.runs("*/30 * * * *", "America/New_York", after: "2026-11-01T04:50:00Z", count: 6)
                == ["2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z",
                    "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"])
        // Every 15 minutes across Berlin's spring-forward: no run at a wall time that does not exist, no gap in real time.
        #expect(try Self.runs("*/15 * * * *", "Europe/Berlin", after: "2026-03-29T00:40:00Z", count: 3)
                == ["2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z"])
        // Hourly in New York fall-back: 01:00 EDT and 01:00 EST both run.
        #expect(try Self.runs("0 * * * *", "America/New_York", after: "2026-11-01T04:30:00Z", count: 3)
                == ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"])
    }

    @Test func lordHoweShiftsByHalfAnHour() throws {
        // Australia/Lord_Howe 2026-10-04 02:00 (+10:30) → 02:30 (+11): 02:15 does not exist, fires at 02:30.
        #expect(try Self.runs("15 2 * * *", "Australia/Lord_Howe", after: "2026-10-03T12:00:00Z", count: 2)
                == ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"])
        // 2026-04-05 02:00 (+11) → 01:30 (+10:30): 01:45 happens twice and runs once.
        #expect(try Self.runs("45 1 * * *", "Australia/Lord_Howe", after: "2026-04-04T12:00:00Z", count: 2)
                == ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"])
    }

    @Test func midnightTransitionsDoNotSkipTheDay() throws {
        // Cairo 2026-04-24 00:00 → 01:00 (last Friday of April): the midnight run fires at 01:00 that day.
        #expect(try Self.runs("0 0 * * *", "Africa/Cairo", after: "2026-04-23T12:00:00Z", count: 2)
                == ["2026-04-23T22:00:00Z", "2026-04-24T21:00:00Z"])
        // Santiago 2026-09-06 00:00 → 01:00.
        #expect(try Self.runs("0 0 * * *", "America/Santiago", after: "2026-09-05T12:00:00Z", count: 2)
                == ["2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"])
    }

    @Test func weeklyAndMonthlyRunsKeepTheirLocalTimeAcrossTransitions() throws {
        // Weekly, Sundays 02:30 Berlin: the transition Sunday runs at 03:00 CEST, the next at 02:30 CEST.
        #expect(try Self.runs("30 2 * * 0", "Europe/Berlin", after: "2026-03-22T12:00:00Z", count: 2)
                == ["2026-03-29T01:00:00Z", "2026-04-05T00:30:00Z"])
        // Monthly on the 1st at 09:00 New York, before and after DST.
        #expect(try Self.runs("0 9 1 * *", "America/New_York", after: "2026-02-15T00:00:00Z", count: 2)
                == ["2026-03-01T14:00:00Z", "2026-04-01T13:00:00Z"])
        // Pacific/Chatham (+12:45 / +13:45): 2026-09-27 02:45 → 03:45; daily 03:00 fires at 03:45.
        #expect(try Self.runs("0 3 * * *", "Pacific/Chatham", after: "2026-09-26T00:00:00Z", count: 2)
                == ["2026-09-26T14:00:00Z", "2026-09-27T13:15:00Z"])
    }

    @Test func zonesWithoutDSTAreStable() throws {
        #expect(try Self.runs("0 7 * * 1-5", "Asia/Kolkata", after: "2026-03-27T00:00:00Z", count: 3)
                == ["2026-03-27T01:30:00Z", "2026-03-30T01:30:00Z", "2026-03-31T01:30:00Z"])
    }
}
