/// The instant a run stands for (its slot, `scheduled_for`) and the schedule's zone: relative dates resolve against
/// it, never against the wall clock, so a late run or a backfill queries the period its slot meant.
public struct LogicalTime: Sendable {
    /// UTC seconds since 1970.
    public let instant: Int64
    public let zone: ZoneRules

    public init(instant: Int64, zone: ZoneRules) {
        self.instant = instant
        self.zone = zone
    }

    /// The calendar date in the schedule's zone (a 00:30 Berlin slot is that day, though UTC is still the day before).
    public var localDate: CivilDate { WallTime(seconds: zone.wall(at: instant).wall).date }

    /// The first instant of `date` in the zone: local midnight, or the end of the gap when midnight is skipped.
    public func startOfDay(_ date: CivilDate) -> Int64 {
        zone.instant(forWall: WallTime.midnight(of: date).seconds, fold: 0)
    }
}
