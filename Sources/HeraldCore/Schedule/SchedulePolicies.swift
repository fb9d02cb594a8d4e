/// What happens to runs missed while Herald was down.
public enum MisfirePolicy: String, Codable, Sendable, CaseIterable {
    /// Drop them all; continue with the next slot.
    case skip
    /// One catch-up run for the newest missed slot; the others are counted as missed.
    case runOnce = "run_once"
    /// Every missed slot inside the catch-up window, oldest first; older ones are counted as missed.
    case runAll = "run_all"

    /// Which of `missed` (ascending slots, all due) to fire now, and how many are dropped.
    public func plan(missed: [Int64], now: Int64, catchUpWindow: Int64) -> (fire: [Int64], dropped: Int) {
        switch self {
        case .skip: return ([], missed.count)
        case .runOnce: return (missed.last.map { [$0] } ?? [], max(missed.count - 1, 0))
        case .runAll:
            let fire = missed.filter { $0 >= now - catchUpWindow }
            return (fire, missed.count - fire.count)
        }
    }
}

/// What happens when a run is due while the previous one still runs.
public enum OverlapPolicy: String, Codable, Sendable, CaseIterable {
    /// Record the slot as skipped, with the reason.
    case skip
    /// Keep one pending run to start when the current one ends; later slots are skipped.
    case bufferOne = "buffer_one"
    /// Run concurrently.
    case allow
}

/// A fixed per-schedule delay, so that 500 schedules "every day at 07:00" do not all start at 07:00:00. Derived from
/// the schedule's id, so it is the same on every scheduler process and after every restart.
public enum Jitter {
    public static func seconds(scheduleID: String, maximum: Int) -> Int {
        guard maximum > 0 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in scheduleID.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(maximum + 1))
    }
}

extension CronSchedule {
    /// Refuses schedules that run more often than `minimum` seconds apart, judged on the actual upcoming runs. A gap
    /// that DST shortens (the wall clock says an hour, real time half of it) is not a violation.
    public func checkMinimumInterval(_ minimum: Int64, after: Int64, sample: Int = 200) throws(ValidationError) {
        let runs = nextRuns(after: after, count: sample)
        for (a, b) in zip(runs, runs.dropFirst()) {
            let real = b - a
            let wall = zone.wall(at: b).wall - zone.wall(at: a).wall
            if real < minimum && wall < minimum {
                throw ValidationError(field: "recurrence", message: """
                    runs \(Self.duration(real)) apart (at \(UTCInstant.format(a)) and \(UTCInstant.format(b))), more often \
                    than the minimum interval of \(Self.duration(minimum))
                    """)
            }
        }
    }

    /// Refuses an expression with no run in the next 50 years (one the parser's static checks could not catch).
    public func checkFires(after: Int64) throws(ValidationError) {
        guard nextRun(after: after) != nil else {
            throw ValidationError(field: "recurrence", message: "\(expression) never fires in the next 50 years")
        }
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds % 3600 == 0 { return seconds == 3600 ? "1 hour" : "\(seconds / 3600) hours" }
        if seconds % 60 == 0 { return seconds == 60 ? "1 minute" : "\(seconds / 60) minutes" }
        return "\(seconds) seconds"
    }
}
