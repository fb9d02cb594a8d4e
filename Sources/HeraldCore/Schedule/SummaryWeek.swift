/// When a weekly summary is due: on Monday from 07:00 in the user's zone. The week is named by that Monday's date.
public enum SummaryWeek {
    public static let sendingHour = 7
    /// Days after Monday on which a summary not sent yet is still sent.
    public static let catchUpDays: Int64 = 2

    /// The Monday (`YYYY-MM-DD`) whose summary is due at `instant` in `zone`: from Monday 07:00 to the end of Wednesday,
    /// so a week whose Monday passed with no scheduler running (or no SMTP server set up) is still sent; nil before
    /// and after.
    public static func due(at instant: Int64, zone: String) -> String? {
        let offset = Int64((try? ZoneRules.named(zone))?.offset(at: instant) ?? 0)
        let local = instant + offset
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let weekday = ((day + 3) % 7 + 7) % 7  // 1970-01-01 was a Thursday; 0 = Monday
        let hour = (local - day * 86_400) / 3600
        guard weekday <= catchUpDays, weekday > 0 || hour >= sendingHour else { return nil }
        return civilDate(day - weekday)
    }

    /// Days since 1970-01-01 as `YYYY-MM-DD` (Howard Hinnant's civil_from_days).
    static func civilDate(_ days: Int64) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ n: Int64, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
