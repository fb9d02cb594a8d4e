/// The next runs as the wizard shows them: in the schedule's zone, the viewer's zone and UTC, with a note where a DST
/// rule moved a run or merged a repeated hour into one run. The schedule's `warnings` go above them.
public struct PreviewRun: Sendable, Equatable {
    public let instant: Int64
    public let utc: String
    public let scheduleLocal: String
    public let viewerLocal: String
    public let note: String?
}

extension CronSchedule {
    /// What cronie would warn about (see `CronExpression.warnings`): valid, but worth a second look before saving.
    public var warnings: [String] { expression.warnings }

    public func preview(after: Int64, count: Int, viewerZone: ZoneRules) -> [PreviewRun] {
        nextRuns(after: after, count: count).map { instant in
            PreviewRun(instant: instant, utc: UTCInstant.format(instant), scheduleLocal: Self.local(instant, zone),
                       viewerLocal: Self.local(instant, viewerZone), note: dstNote(for: instant))
        }
    }

    func dstNote(for instant: Int64) -> String? {
        let wall = WallTime(seconds: zone.wall(at: instant).wall)
        let repeated = zone.occurrences(ofWall: wall.seconds).second != nil
        if usesWallClock {
            if !expression.matchesMinute(wall.minute) || !expression.matchesHour(wall.hour) {
                return "moved to \(Self.hhmm(wall)): the scheduled local time does not exist on this day (clocks go forward)"
            }
            if repeated { return "runs once although \(Self.hhmm(wall)) occurs twice on this day (clocks go back)" }
            return nil
        }
        return repeated ? "in the repeated hour (clocks go back): runs in both" : nil
    }

    static func hhmm(_ wall: WallTime) -> String {
        return "\(two(wall.hour)):\(two(wall.minute))"
    }

    /// `2026-03-29 03:00 +02:00`.
    static func local(_ instant: Int64, _ zone: ZoneRules) -> String {
        let offset = Int(zone.offset(at: instant))
        let text = UTCInstant.format(instant + Int64(offset))
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) \(sign)\(two(magnitude / 3600)):\(two(magnitude % 3600 / 60))"
    }
}
