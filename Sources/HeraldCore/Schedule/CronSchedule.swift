/// A cron expression evaluated in an IANA time zone. Instants are UTC seconds.
///
/// DST rules (cronie's, computed exactly as the Python library cronsim computes them):
/// - A *fixed-time* expression (minute and hour fields both restricted, i.e. not starting with `*`) is evaluated on
///   the local wall clock. A run whose local time does not exist (spring forward) fires at the first instant after
///   the gap; a local time that occurs twice (fall back) fires once, at its first occurrence.
/// - Any other expression (`*` or `*/n` in the minute or hour field) follows real elapsed time: it fires on every
///   real hour, both repeated hours included, and skips wall times that do not exist. One exception, as in cronsim:
///   when a day itself starts inside a gap (Cairo, Santiago: midnight → 01:00), runs matching that missing
///   midnight hour collapse into one run at the end of the gap.
///
/// Finding the next run jumps field by field over bitsets; it never walks minute by minute.
public struct CronSchedule: Sendable {
    public let expression: CronExpression
    public let zone: ZoneRules

    public init(expression: CronExpression, zone: ZoneRules) {
        self.expression = expression
        self.zone = zone
    }

    public init(_ expression: String, timeZone: String) throws {
        self.init(expression: try CronExpression(expression), zone: try ZoneRules.named(timeZone))
    }

    /// Whether evaluation happens on the naive local clock (fixed-time jobs in a zone with offsets).
    var usesWallClock: Bool { expression.isFixedTime && zone !== ZoneRules.utc }

    /// The first run strictly after `instant`, or nil if none comes within 50 years.
    public func nextRun(after instant: Int64) -> Int64? {
        var cursor = Cursor(schedule: self, after: instant)
        while let candidate = cursor.next() {
            // A wall-clock search that started in the second occurrence of a repeated hour may land on its first.
            if candidate > instant { return candidate }
        }
        return nil
    }

    /// The next `count` runs after `instant`, each computed afresh from the previous one, as the scheduler does.
    public func nextRuns(after instant: Int64, count: Int) -> [Int64] {
        var runs: [Int64] = []
        var from = instant
        while runs.count < count, let next = nextRun(after: from) {
            runs.append(next)
            from = next
        }
        return runs
    }

    /// cronsim's iterator: a wall time with its PEP 495 fold, ticked in real time except in wall-clock mode.
    struct Cursor {
        let schedule: CronSchedule
        var expression: CronExpression { schedule.expression }
        let wallClock: Bool
        var wall: WallTime
        var fold: Int

        init(schedule: CronSchedule, after instant: Int64) {
            self.schedule = schedule
            wallClock = schedule.usesWallClock
            let (w, f) = schedule.zone.wall(at: instant)
            wall = WallTime(seconds: w)
            fold = wallClock ? 0 : f
        }

        var instant: Int64 { schedule.zone.instant(forWall: wall.seconds, fold: fold) }

        mutating func tick(_ seconds: Int64) {
            if wallClock {
                wall.seconds += seconds
            } else {
                let (w, f) = schedule.zone.wall(at: instant + seconds)
                wall = WallTime(seconds: w)
                fold = f
            }
        }

        /// Ticks in `step`-second steps until `stop` holds, which happens within `seconds` when wall time moves with real
        /// time; then it jumps in one go. Around a transition it steps.
        mutating func tick(by seconds: Int64, step: Int64, until stop: (WallTime) -> Bool) {
            let start = instant
            // The shortcut needs wall time to move with real time: no transition ahead, and a wall time that exists
            // (a midnight inside a gap does not).
            if wallClock || (schedule.zone.offset(at: start) == schedule.zone.offset(at: start + seconds)
                             && start + Int64(schedule.zone.offset(at: start)) == wall.seconds) {
                let target = WallTime(seconds: wall.seconds + seconds)
                // Without a transition wall time moves with real time, so the first stop on the way is exact.
                var probe = wall.seconds + step
                while probe < target.seconds {
                    if stop(WallTime(seconds: probe)) { tick(probe - wall.seconds); return }
                    probe += step
                }
                tick(seconds)
                return
            }
            // Around a transition: step as cronsim does, until the stop condition (which always includes the top of
            // the hour or day, so this ends), whatever `seconds` said.
            for _ in 0..<(2 * 3600 * 24 / Int(step)) {
                tick(step)
                if stop(wall) { return }
            }
        }

        mutating func setWall(_ seconds: Int64) { wall = WallTime(seconds: seconds) }

        mutating func advanceMonth() {
            if expression.matchesMonth(wall.date.month) { return }
            var date = wall.date
            repeat {
                date = date.month == 12 ? CivilDate(year: date.year + 1, month: 1, day: 1) : CivilDate(year: date.year, month: date.month + 1, day: 1)
            } while !expression.matchesMonth(date.month)
            setWall(WallTime.midnight(of: date).seconds)
            fold = 0
        }

        mutating func advanceDay() -> Bool {
            var date = wall.date
            if expression.matchesDay(date) { return false }
            repeat {
                date = CivilDate(days: date.days + 1)
            } while !expression.matchesDay(date) && date.day != 1
            setWall(WallTime.midnight(of: date).seconds)
            fold = 0
            return true
        }

        mutating func advanceHour() -> Bool {
            if expression.matchesHour(wall.hour) { return false }
            setWall(wall.seconds - Int64(wall.minute * 60 + wall.second))
            // Up to the next matching hour, or midnight to re-check the day.
            var hoursAhead = 1
            while (wall.hour + hoursAhead) < 24 && !expression.matchesHour(wall.hour + hoursAhead) { hoursAhead += 1 }
            let expression = self.expression
            tick(by: Int64(hoursAhead) * 3600, step: 3600) { expression.matchesHour($0.hour) || $0.hour == 0 }
            return true
        }

        mutating func advanceMinute() -> Bool {
            if expression.matchesMinute(wall.minute) { return false }
            setWall(wall.seconds - Int64(wall.second))
            if expression.minutes.nonzeroBitCount == 1 {
                // One allowed minute: a single jump of real time, even across a transition (as cronsim does).
                let target = expression.minutes.trailingZeroBitCount
                tick(Int64((target - wall.minute + 60) % 60) * 60)
                if expression.matchesMinute(wall.minute) { return true }
            }
            let expression = self.expression
            tick(by: 3600, step: 60) { expression.matchesMinute($0.minute) || $0.minute == 0 }
            return true
        }

        /// The seconds field is always 0 in 5-field cron.
        mutating func advanceSecond() -> Bool {
            if wall.second == 0 { return false }
            tick(Int64(60 - wall.second))
            return true
        }

        mutating func next() -> Int64? {
            tick(1)
            let startYear = wall.date.year
            while true {
                advanceMonth()
                if wall.date.year > startYear + 50 { return nil }
                if advanceDay() { continue }
                if advanceHour() { continue }
                if advanceMinute() { continue }
                if advanceSecond() { continue }
                break
            }
            if wallClock {
                // A wall time inside a gap fires at the first minute after it; a repeated one at its first occurrence.
                while !schedule.zone.exists(wall: wall.seconds) { wall.seconds += 60 }
                return schedule.zone.instant(forWall: wall.seconds, fold: 0)
            }
            return instant
        }
    }
}
