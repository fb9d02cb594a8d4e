/// One schedule as the conflict check sees it.
public struct ScheduledDelivery: Sendable {
    public let id: String
    public let reportID: String
    public let destinationIDs: Set<String>
    public let schedule: CronSchedule

    public init(id: String, reportID: String, destinationIDs: Set<String>, schedule: CronSchedule) {
        self.id = id
        self.reportID = reportID
        self.destinationIDs = destinationIDs
        self.schedule = schedule
    }
}

/// Another schedule that sends the same report to the same place close in time.
public struct ScheduleConflict: Sendable, Equatable {
    public let otherID: String
    public let candidateRun: Int64
    public let otherRun: Int64
}

public enum ScheduleConflicts {
    /// Runs of every schedule in [from, from + horizon), at most `cap` each (a `* * * * *` has 10,080 in a week).
    static func runs(_ schedule: CronSchedule, from: Int64, horizon: Int64, cap: Int = 20_000) -> [Int64] {
        var runs: [Int64] = []
        var cursor = from - 1
        while runs.count < cap, let next = schedule.nextRun(after: cursor), next < from + horizon {
            runs.append(next)
            cursor = next
        }
        return runs
    }

    /// Schedules of the same report with a shared destination whose runs come within `window` seconds of the
    /// candidate's over the next `horizon` seconds; the first such pair for each.
    public static func find(candidate: ScheduledDelivery, existing: [ScheduledDelivery], from: Int64, window: Int64,
                            horizon: Int64 = 7 * 86_400) -> [ScheduleConflict] {
        let mine = runs(candidate.schedule, from: from, horizon: horizon)
        var conflicts: [ScheduleConflict] = []
        for other in existing where other.id != candidate.id && other.reportID == candidate.reportID
            && !other.destinationIDs.isDisjoint(with: candidate.destinationIDs) {
            let theirs = runs(other.schedule, from: from, horizon: horizon)
            var i = 0, j = 0
            while i < mine.count && j < theirs.count {
                if abs(mine[i] - theirs[j]) <= window {
                    conflicts.append(ScheduleConflict(otherID: other.id, candidateRun: mine[i], otherRun: theirs[j]))
                    break
                }
                if mine[i] < theirs[j] { i += 1 } else { j += 1 }
            }
        }
        return conflicts
    }
}

/// How many runs start in each minute over the next days: shows the top-of-hour pile-up.
public struct LoadHistogram: Sendable {
    /// Minute (UTC instant / 60) → runs starting in it.
    public let counts: [Int64: Int]

    public init(schedules: [CronSchedule], from: Int64, days: Int = 7) {
        var counts: [Int64: Int] = [:]
        for schedule in schedules {
            for run in ScheduleConflicts.runs(schedule, from: from, horizon: Int64(days) * 86_400) { counts[run / 60, default: 0] += 1 }
        }
        self.counts = counts
    }

    /// The busiest minutes, most runs first.
    public func busiest(_ limit: Int) -> [(minute: Int64, runs: Int)] {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map { ($0.key, $0.value) }
    }

    /// Runs per minute-of-the-hour (0–59), and the quietest minute to suggest instead of a crowded one.
    public var byMinuteOfHour: [Int] {
        var totals = [Int](repeating: 0, count: 60)
        for (minute, runs) in counts { totals[Int(minute % 60)] += runs }
        return totals
    }

    public var quietestMinuteOfHour: Int {
        let totals = byMinuteOfHour
        return totals.indices.min { (totals[$0], $0) < (totals[$1], $1) }!
    }
}
