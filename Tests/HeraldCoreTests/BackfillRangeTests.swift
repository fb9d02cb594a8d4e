import HeraldCore
import Testing

struct BackfillRangeTests {
    let now = UTCInstant.parse("2026-11-15T12:00:00Z")!
    let daily = Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "07:00")

    @Test func localDatesRunFromMidnightToTheEndOfTheLastDayInTheSchedulesZone() throws {
        let range = try BackfillRange.parse(from: "2026-10-25", to: "2026-10-25", timeZone: "Europe/Berlin", now: now)
        // The day summer time ends is 25 hours long.
        #expect(range == BackfillRange(start: UTCInstant.parse("2026-10-24T22:00:00Z")!, end: UTCInstant.parse("2026-10-25T23:00:00Z")!))
    }

    @Test func slotsAreTheRecurrencesOwnAndOnlyThoseBeforeNow() throws {
        let range = try BackfillRange.parse(from: "2026-11-14", to: "2026-11-15", timeZone: "Europe/Berlin", now: now)
        let slots = try range.slots(of: daily, compiled: try daily.compile(), now: now, limit: 366)
        #expect(slots == [UTCInstant.parse("2026-11-14T06:00:00Z")!, UTCInstant.parse("2026-11-15T06:00:00Z")!])
        let early = try range.slots(of: daily, compiled: try daily.compile(), now: UTCInstant.parse("2026-11-15T05:00:00Z")!, limit: 366)
        #expect(early.count == 1)
    }

    @Test func moreSlotsThanTheLimitIsAnErrorOnToThatNamesBoth() throws {
        let range = try BackfillRange.parse(from: "2025-01-01", to: "2026-10-31", timeZone: "Europe/Berlin", now: now)
        do {
            _ = try range.slots(of: daily, compiled: try daily.compile(), now: now, limit: 366)
            Issue.record("the limit was not applied")
        } catch let error as ValidationErrors {
            #expect(error.errors.map(\.field) == ["to"])
            #expect(error.errors[0].message == "the range holds 669 slots; at most 366 can be backfilled at once")
        }
    }

    @Test func futureReversedAndMalformedBoundsAreFieldErrors() {
        func fields(_ from: String, _ to: String) -> [String] {
            do { _ = try BackfillRange.parse(from: from, to: to, timeZone: "Europe/Berlin", now: now) } catch { return error.errors.map(\.field) }
            return []
        }
        #expect(fields("2026-11-01", "2026-11-15") == [])
        #expect(fields("2026-11-01", "2026-11-16") == ["to"])
        #expect(fields("2026-11-16", "2026-11-17") == ["from", "to"])
        #expect(fields("2026-11-10", "2026-11-01") == ["to"])
        #expect(fields("", "11/01/2026") == ["from", "to"])
        #expect(fields("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z") == [])
    }
}
