/// Proleptic Gregorian calendar arithmetic on plain integers, so the schedule engine never needs Foundation's
/// Calendar (slow, and locale- and ICU-dependent). Day 0 is 1970-01-01, a Thursday.
public struct CivilDate: Equatable, Comparable, Hashable, Sendable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Howard Hinnant's days_from_civil / civil_from_days.
    init(days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    var days: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 0 = Sunday … 6 = Saturday.
    var weekday: Int { Self.weekday(days: days) }

    static func weekday(days: Int) -> Int { ((days % 7) + 11) % 7 }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The last Monday-to-Friday day of the month (cron's `LW`).
    static func lastWeekday(month: Int, year: Int) -> Int {
        let length = daysIn(month: month, year: year)
        switch CivilDate(year: year, month: month, day: length).weekday {
        case 6: return length - 1
        case 0: return length - 2
        default: return length
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}

/// A wall-clock time as seconds since 1970-01-01T00:00 *local*, with its calendar fields.
struct WallTime {
    var seconds: Int64

    var days: Int { Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400) }
    var secondOfDay: Int { Int(seconds - Int64(days) * 86_400) }
    var date: CivilDate { CivilDate(days: days) }
    var hour: Int { secondOfDay / 3600 }
    var minute: Int { secondOfDay % 3600 / 60 }
    var second: Int { secondOfDay % 60 }

    static func midnight(of date: CivilDate) -> WallTime { WallTime(seconds: Int64(date.days) * 86_400) }
}

/// `7` → `07`, for clock times and dates.
func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
