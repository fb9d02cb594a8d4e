/// Dates named relative to a run's local date (`today`, `start_of_month-1m`), so one schedule keeps asking for
/// "last week" every week. Weeks start on Monday (ISO 8601).
enum RelativeDate {
    static let keywords: [String: @Sendable (CivilDate) -> CivilDate] = [
        "today": { $0 },
        "yesterday": { adding(days: -1, to: $0) },
        "tomorrow": { adding(days: 1, to: $0) },
        "start_of_week": startOfWeek,
        "end_of_week": { adding(days: 6, to: startOfWeek($0)) },
        "start_of_last_week": { adding(days: -7, to: startOfWeek($0)) },
        "end_of_last_week": { adding(days: -1, to: startOfWeek($0)) },
        "start_of_month": startOfMonth,
        "end_of_month": { CivilDate(year: $0.year, month: $0.month, day: CivilDate.daysIn(month: $0.month, year: $0.year)) },
        "last_month_start": { adding(months: -1, to: startOfMonth($0)) },
        "last_month_end": { adding(days: -1, to: startOfMonth($0)) },
        "start_of_quarter": startOfQuarter,
        "start_of_last_quarter": { adding(months: -3, to: startOfQuarter($0)) },
        "start_of_year": { CivilDate(year: $0.year, month: 1, day: 1) },
        "start_of_last_year": { CivilDate(year: $0.year - 1, month: 1, day: 1) },
    ]

    /// Resolves `keyword` or `keyword±N<unit>` (unit d, w, m or y); nil when `text` is not one.
    static func resolve(_ text: String, today: CivilDate) -> CivilDate? {
        let text = text.lowercased()
        let signIndex = text.firstIndex { $0 == "+" || $0 == "-" }
        guard let base = keywords[String(text[..<(signIndex ?? text.endIndex)])] else { return nil }
        let date = base(today)
        guard let signIndex else { return date }
        let offset = text[text.index(after: signIndex)...]
        guard let unit = offset.last, offset.count >= 2, offset.count <= 6,
              offset.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }), let amount = Int(offset.dropLast()) else { return nil }
        let signed = text[signIndex] == "-" ? -amount : amount
        switch unit {
        case "d": return adding(days: signed, to: date)
        case "w": return adding(days: 7 * signed, to: date)
        case "m": return adding(months: signed, to: date)
        case "y": return adding(months: 12 * signed, to: date)
        default: return nil
        }
    }

    /// Whether `text` begins with a keyword, so a bad offset gets its own message.
    static func startsWithKeyword(_ text: String) -> Bool {
        let text = text.lowercased()
        return keywords.keys.contains { text.hasPrefix($0 + "+") || text.hasPrefix($0 + "-") }
    }

    static func adding(days: Int, to date: CivilDate) -> CivilDate { CivilDate(days: date.days + days) }

    /// Calendar months, the day clamped to the target month's length: Jan 31 + 1m is Feb 28 (29 in a leap year).
    static func adding(months: Int, to date: CivilDate) -> CivilDate {
        let index = date.year * 12 + (date.month - 1) + months
        let year = index >= 0 ? index / 12 : (index - 11) / 12
        let month = index - year * 12 + 1
        return CivilDate(year: year, month: month, day: min(date.day, CivilDate.daysIn(month: month, year: year)))
    }

    static func startOfWeek(_ date: CivilDate) -> CivilDate { adding(days: -((date.weekday + 6) % 7), to: date) }
    static func startOfMonth(_ date: CivilDate) -> CivilDate { CivilDate(year: date.year, month: date.month, day: 1) }
    static func startOfQuarter(_ date: CivilDate) -> CivilDate {
        CivilDate(year: date.year, month: (date.month - 1) / 3 * 3 + 1, day: 1)
    }
}
