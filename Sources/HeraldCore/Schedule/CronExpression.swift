/// A 5-field Vixie/cronie cron expression: `minute hour day-of-month month day-of-week`, with numbers, `*`, ranges,
/// steps, lists, names (JAN–DEC, SUN–SAT, any case), 0 and 7 for Sunday, the macros `@yearly @annually @monthly
/// @weekly @daily @midnight @hourly`, and the extensions `L` (last day of the month), `LW` (its last weekday, Monday
/// to Friday), `nL` (last weekday n of the month) and `n#k` (k-th weekday n). Each field compiles to a bitset, so
/// matching never walks values one by one. What cronsim refuses is refused too: `nW` (nearest weekday) and names
/// with `L` (`MONL`; cronsim only takes `1L`).
///
/// Day rule (cronie and cronsim): if the day-of-month or the day-of-week field starts with `*`, a day must match both;
/// otherwise (both restricted) it matches if either does. So `*/100,1-7 * MON` is the first Monday of the month:
/// `*/100` is day 1 only, but its `*` makes the two fields ANDed.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as given, macros expanded, upper-cased.
    public let fields: [String]
    let minutes: UInt64
    let hours: UInt32
    let daysOfMonth: UInt32     // bits 1...31
    let lastDayOfMonth: Bool    // `L`
    let lastWeekdayOfMonth: Bool // `LW`
    let months: UInt16          // bits 1...12
    let weekdays: UInt8         // bits 0...6, Sunday = 0
    let lastWeekdays: UInt8     // `nL`
    let nthWeekdays: [UInt8]    // index k-1 for `n#k`
    let daysMustBothMatch: Bool
    /// Minute and hour both restricted: a fixed-time job, which follows cronie's DST rules (see CronSchedule).
    let isFixedTime: Bool
    /// What cronie warns about but accepts, such as a step larger than its range: the expression is valid and means
    /// what cronsim says, but maybe not what its author meant, so `herald cron explain` and previews show these.
    public let warnings: [String]

    public var description: String { fields.joined(separator: " ") }

    static let macros = [
        "@YEARLY": "0 0 1 1 *", "@ANNUALLY": "0 0 1 1 *", "@MONTHLY": "0 0 1 * *", "@WEEKLY": "0 0 * * 0",
        "@DAILY": "0 0 * * *", "@MIDNIGHT": "0 0 * * *", "@HOURLY": "0 * * * *",
    ]

    public init(_ text: String) throws(CronError) {
        guard text.utf8.count <= 1024 else { throw CronError(field: nil, "the expression is longer than 1024 characters") }
        var source = text.trimmingCharacters(in: .whitespaces).uppercased()
        if source.hasPrefix("@") {
            guard let expanded = Self.macros[source] else {
                throw CronError(field: nil, "\(source.lowercased()) is not a macro Herald knows (use @yearly, @monthly, @weekly, @daily or @hourly)")
            }
            source = expanded
        }
        let parts = source.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch parts.count {
        case 5: break
        case 6, 7:
            throw CronError(field: nil, """
                has \(parts.count) fields, but Herald speaks 5-field Vixie/cronie cron (minute hour day-of-month month \
                day-of-week). This looks like Quartz or Spring syntax, which puts seconds first (and Quartz counts \
                Sunday as 1): drop the seconds field and any year field, and use 0 or 7 for Sunday.
                """)
        default:
            throw CronError(field: nil, "has \(parts.count) fields; expected 5: minute hour day-of-month month day-of-week")
        }
        fields = parts
        var warnings: [String] = []
        minutes = try Self.bits(parts[0], .minute, warnings: &warnings)
        hours = UInt32(try Self.bits(parts[1], .hour, warnings: &warnings))
        var domWarnings: [String] = [], dowWarnings: [String] = []
        (daysOfMonth, lastDayOfMonth, lastWeekdayOfMonth) = try Self.dayOfMonth(parts[2], warnings: &domWarnings)
        months = UInt16(try Self.bits(parts[3], .month, warnings: &warnings))
        (weekdays, lastWeekdays, nthWeekdays) = try Self.dayOfWeek(parts[4], warnings: &dowWarnings)
        daysMustBothMatch = parts[2].hasPrefix("*") || parts[4].hasPrefix("*")
        isFixedTime = !parts[0].hasPrefix("*") && !parts[1].hasPrefix("*")
        warnings += domWarnings + dowWarnings
        // The `*/100,1-7 * MON` idiom: a starred day field whose step picks one value still makes the two day fields
        // ANDed, which is the whole trick, so say so.
        let domStarred = parts[2].hasPrefix("*")
        if domStarred != parts[4].hasPrefix("*"), !(domStarred ? domWarnings : dowWarnings).isEmpty {
            let starred = domStarred ? Field.dayOfMonth : .dayOfWeek
            warnings.append("\(starred.rawValue) starts with *, so a day must match both day-of-month and day-of-week")
        }
        self.warnings = warnings

        if daysMustBothMatch, !lastDayOfMonth, !lastWeekdayOfMonth, daysOfMonth != 0 {
            let chosen = (1...12).filter { months & (UInt16(1) << UInt16($0)) != 0 }
            let longest: Int = chosen.map { CivilDate.daysIn(month: $0, year: 2000) }.max() ?? 31
            let earliest = daysOfMonth.trailingZeroBitCount
            if earliest > longest {
                throw CronError(field: .dayOfMonth, "day \(earliest) never occurs in the chosen months, so this expression never fires")
            }
        }
    }

    enum Field: String, Sendable {
        case minute, hour, dayOfMonth = "day-of-month", month, dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// How a warning names one value: `day 1`, `Sunday`, `January`.
        func valueName(_ value: Int) -> String {
            switch self {
            case .minute: "minute \(value)"
            case .hour: "hour \(value)"
            case .dayOfMonth: "day \(value)"
            case .month: CronExpression.monthNames[value - 1]
            case .dayOfWeek: CronExpression.weekdayNames[value % 7]
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }
    }

    static func value(_ text: Substring, _ field: Field) throws(CronError) -> Int {
        if let index = field.names.firstIndex(of: String(text)) { return field == .month ? index + 1 : index }
        guard !text.isEmpty else { throw CronError(field: field, "a value is missing") }
        guard text.count <= 4, text.allSatisfy(\.isASCIIDigit), let number = Int(text) else {
            throw CronError(field: field, "\(text.prefix(12))\(text.count > 12 ? "…" : "") is not a number\(field.names.isEmpty ? "" : " or a name")")
        }
        guard field.range.contains(number) else {
            throw CronError(field: field, "\(number) is outside \(field.range.lowerBound)–\(field.range.upperBound)")
        }
        return number
    }

    /// One field of numbers, ranges, steps and lists, as a bitset.
    static func bits(_ text: String, _ field: Field, warnings: inout [String]) throws(CronError) -> UInt64 {
        var result: UInt64 = 0
        for term in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !term.isEmpty else { throw CronError(field: field, "has an empty item in its list") }
            var base = term
            var step = 1
            if let slash = term.firstIndex(of: "/") {
                base = term[..<slash]
                let stepText = term[term.index(after: slash)...]
                guard !stepText.isEmpty, stepText.allSatisfy(\.isASCIIDigit) else {
                    throw CronError(field: field, "the step after / must be a number")
                }
                // Only digits, so nil means it overflows: larger than any range, like any step past the range.
                step = Int(stepText) ?? .max
                guard step > 0 else { throw CronError(field: field, "a step of 0 never advances") }
            }
            var low: Int, high: Int
            if base == "*" {
                low = field.range.lowerBound
                high = field.range.upperBound  // 0–7 for day-of-week, as cronie and cronsim: 7 is Sunday again
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash], field)
                high = try value(base[base.index(after: dash)...], field)
                guard low <= high else { throw CronError(field: field, "the range \(low)-\(high) runs backwards") }
            } else {
                low = try value(base, field)
                high = term.contains("/") ? field.range.upperBound : low
            }
            // cronie warns here: a step past its range picks the range's first value alone (so does cronsim).
            if step > 1, step > high - low {
                warnings.append("\(field.rawValue): \(term.prefix(24))\(term.count > 24 ? "…" : "") picks only \(field.valueName(low)): "
                                + "its step is larger than the range \(low)–\(high) it steps over")
            }
            for v in stride(from: low, through: high, by: min(step, high - low + 1)) { result |= 1 << UInt64(field == .dayOfWeek ? v % 7 : v) }
        }
        return result
    }

    static func dayOfMonth(_ text: String, warnings: inout [String]) throws(CronError) -> (UInt32, last: Bool, lastWeekday: Bool) {
        var last = false, lastWeekday = false
        var plain: [Substring] = []
        for term in text.split(separator: ",", omittingEmptySubsequences: false) {
            if term == "L" {
                last = true
            } else if term == "LW" {
                lastWeekday = true
            } else if term.contains("L") {
                throw CronError(field: .dayOfMonth, "L (the last day of the month) and LW (its last weekday) stand alone, not in a range or with a step")
            } else if term.count > 1, term.hasSuffix("W"), term.dropLast().allSatisfy(\.isASCIIDigit) {
                throw CronError(field: .dayOfMonth, "\(term.prefix(12)): nW (the weekday nearest day n) is not supported, as in cronsim; LW (the last weekday of the month) is")
            } else {
                plain.append(term)
            }
        }
        let bits = plain.isEmpty ? 0 : try Self.bits(plain.joined(separator: ","), .dayOfMonth, warnings: &warnings)
        return (UInt32(bits), last, lastWeekday)
    }

    static func dayOfWeek(_ text: String, warnings: inout [String]) throws(CronError) -> (UInt8, UInt8, [UInt8]) {
        var last: UInt8 = 0
        var nth = [UInt8](repeating: 0, count: 5)
        var plain: [Substring] = []
        for term in text.split(separator: ",", omittingEmptySubsequences: false) {
            if term.count >= 2, term.hasSuffix("L"), !term.contains("-"), !term.contains("/") {
                let day = term.dropLast()
                guard day.allSatisfy(\.isASCIIDigit) else {
                    // cronsim refuses names here; saying which number to write is kinder than "not a number".
                    let number = Field.dayOfWeek.names.firstIndex(of: String(day))
                    throw CronError(field: .dayOfWeek, number.map { "\(term): write \($0)L for the last \(Self.weekdayNames[$0]) of the month; L follows a day's number, not its name" }
                                    ?? "\(term.prefix(12)): L follows a day's number, as in 5L (the last Friday of the month)")
                }
                last |= 1 << UInt8(try value(day, .dayOfWeek) % 7)
            } else if let hash = term.firstIndex(of: "#") {
                let day = try value(term[..<hash], .dayOfWeek) % 7
                let kText = term[term.index(after: hash)...]
                guard kText.count == 1, let k = Int(kText), (1...5).contains(k) else {
                    throw CronError(field: .dayOfWeek, "after # comes which week of the month, 1 to 5")
                }
                nth[k - 1] |= 1 << UInt8(day)
            } else {
                plain.append(term)
            }
        }
        let bits = plain.isEmpty ? 0 : try Self.bits(plain.joined(separator: ","), .dayOfWeek, warnings: &warnings)
        return (UInt8(bits), last, nth)
    }

    func matchesMinute(_ m: Int) -> Bool { minutes & (1 << UInt64(m)) != 0 }
    func matchesHour(_ h: Int) -> Bool { hours & (1 << UInt32(h)) != 0 }
    func matchesMonth(_ m: Int) -> Bool { months & (1 << UInt16(m)) != 0 }

    func matchesDay(_ date: CivilDate) -> Bool {
        let length = CivilDate.daysIn(month: date.month, year: date.year)
        let dom = daysOfMonth & (1 << UInt32(date.day)) != 0 || (lastDayOfMonth && date.day == length)
            || (lastWeekdayOfMonth && date.day == CivilDate.lastWeekday(month: date.month, year: date.year))
        let weekday = date.weekday
        let bit = UInt8(1) << UInt8(weekday)
        let dow = weekdays & bit != 0 || (lastWeekdays & bit != 0 && date.day + 7 > length)
            || nthWeekdays[(date.day - 1) / 7] & bit != 0
        return daysMustBothMatch ? dom && dow : dom || dow
    }
}

/// An invalid cron expression: which field and why, in words an operator can act on.
public struct CronError: Error, CustomStringConvertible, Equatable, Sendable {
    public let field: String?
    public let reason: String

    init(field: CronExpression.Field?, _ reason: String) {
        self.field = field?.rawValue
        self.reason = reason
    }

    public var description: String { field.map { "\($0): \(reason)" } ?? "the expression \(reason)" }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
