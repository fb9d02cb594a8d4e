import Testing
@testable import HeraldCore

/// Random expressions × zones × two years against a brute-force minute walk that spells out the rules directly,
/// each step computed afresh from the previous run as the scheduler does (the Dagster lesson: tests must not reuse
/// an iterator production never reuses).
struct CronSchedulePropertyTests {
    static let zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                        "Pacific/Chatham", "Europe/London", "Australia/Sydney", "America/St_Johns", "Africa/Cairo",
                        "America/Santiago"]
    /// Where a day starts inside a gap, real-time expressions follow cronsim's collapse rule (see CronSchedule), which
    /// a minute walk does not model; the differential test and the DST matrix cover those.
    static let midnightGapZones: Set<String> = ["Africa/Cairo", "America/Santiago"]

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func field(_ g: inout Generator, _ range: ClosedRange<Int>, star: Double) -> String {
        let r = Double.random(in: 0..<1, using: &g)
        if r < star { return "*" }
        if r < star + 0.15 { return "*/\([2, 3, 5, 15, 20].randomElement(using: &g)!)" }
        if r < star + 0.45 { return String(Int.random(in: range, using: &g)) }
        let a = Int.random(in: range.lowerBound..<range.upperBound, using: &g)
        return "\(a)-\(Int.random(in: (a + 1)...range.upperBound, using: &g))"
    }

    /// The rules, walked minute by minute: fixed-time expressions on the local wall clock (gap → first minute after
    /// it, repeated → first occurrence), everything else on real minutes.
    static func bruteForce(_ schedule: CronSchedule, after: Int64, limit: Int64) -> Int64? {
        let e = schedule.expression, zone = schedule.zone
        func matches(_ wall: WallTime) -> Bool {
            e.matchesMinute(wall.minute) && e.matchesHour(wall.hour) && e.matchesMonth(wall.date.month) && e.matchesDay(wall.date)
        }
        if schedule.usesWallClock {
            var wall = (zone.wall(at: after).wall / 60 + 1) * 60
            while wall < zone.wall(at: limit).wall {
                if matches(WallTime(seconds: wall)) {
                    var fire = wall
                    while !zone.exists(wall: fire) { fire += 60 }
                    let instant = zone.occurrences(ofWall: fire).first!
                    if instant > after { return instant }
                }
                wall += 60
            }
            return nil
        }
        var t = (after / 60 + 1) * 60
        while t < limit {
            if matches(WallTime(seconds: zone.wall(at: t).wall)) { return t }
            t += 60
        }
        return nil
    }

    @Test func nextRunsEqualABruteForceMinuteWalk() throws {
        var g = Generator(state: 20_261_123)
        let start: Int64 = 1_767_225_600        // 2026-01-01
        let twoYears: Int64 = 2 * 365 * 86_400
        var compared = 0
        for _ in 0..<300 {
            // Day-of-month also gets LW and the first-Monday idiom's oversized step, so the search is checked on them.
            let dayOfMonth = Double.random(in: 0..<1, using: &g) < 0.25 ? ["LW", "*/100,1-7"].randomElement(using: &g)!
                : Self.field(&g, 1...31, star: 0.8)
            let expression = "\(Self.field(&g, 0...59, star: 0.2)) \(Self.field(&g, 0...23, star: 0.3)) " +
                "\(dayOfMonth) * \(Self.field(&g, 0...6, star: 0.7))"
            guard let cron = try? CronExpression(expression) else { continue }
            let zone = Self.zones.randomElement(using: &g)!
            if Self.midnightGapZones.contains(zone) && !cron.isFixedTime { continue }
            let schedule = CronSchedule(expression: cron, zone: try ZoneRules.named(zone))
            var after = start + Int64.random(in: 0..<twoYears, using: &g)
            for _ in 0..<4 {
                let limit = after + 40 * 86_400
                let expected = Self.bruteForce(schedule, after: after, limit: limit)
                let actual = schedule.nextRun(after: after)
                if let expected {
                    #expect(actual == expected, "\(expression) in \(zone) after \(after)")
                } else {
                    #expect(actual.map { $0 >= limit } ?? true, "\(expression) in \(zone) after \(after)")
                }
                compared += 1
                guard let next = actual, next < limit else { break }
                #expect(next > after)
                after = next
            }
        }
        #expect(compared > 500)
    }
}
