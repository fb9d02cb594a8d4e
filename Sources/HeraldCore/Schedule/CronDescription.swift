/// Plain-English descriptions of cron expressions ("At 07:00, Monday to Friday"), for pages, e-mails and
/// `herald cron explain`.
extension CronExpression {
    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]
    static let ordinals = ["first", "second", "third", "fourth", "fifth"]

    public var plainEnglish: String {
        var parts: [String] = [timePhrase]
        if let days = dayPhrase { parts.append(days) }
        if months != 0b1_1111_1111_1110 {
            parts.append("in " + Self.list((1...12).filter { matchesMonth($0) }.map { Self.monthNames[$0 - 1] }))
        }
        return parts.joined(separator: ", ")
    }

    var timePhrase: String {
        let minuteList = (0...59).filter(matchesMinute)
        let hourList = (0...23).filter(matchesHour)
        if minuteList.count == 1 && hourList.count <= 4 {
            return "At " + Self.list(hourList.map { "\(two($0)):\(two(minuteList[0]))" })
        }
        let minutePart: String
        if minuteList.count == 60 {
            minutePart = "Every minute"
        } else if let step = Self.step(of: minuteList, span: 60) {
            minutePart = "Every \(step) minutes"
        } else if minuteList.count == 1 {
            minutePart = minuteList[0] == 0 ? "On the hour" : "At minute \(minuteList[0]) past the hour"
        } else {
            minutePart = "At minutes " + Self.list(minuteList.map(String.init)) + " past the hour"
        }
        if hourList.count == 24 { return minutePart + (minuteList.count == 1 ? ", every hour" : "") }
        if let step = Self.step(of: hourList, span: 24), minuteList.count == 1 {
            return "Every \(step) hours at minute \(minuteList[0])"
        }
        if let range = Self.contiguous(hourList) {
            return minutePart + ", from \(two(range.lowerBound)):00 to \(two(range.upperBound)):59"
        }
        return minutePart + ", during hours " + Self.list(hourList.map(two))
    }

    /// Either day field that leaves some day out, joined by cron's day rule: "or" when both are restricted, "if it is"
    /// when a leading `*` makes them ANDed (`*/100,1-7 * MON`: "on days 1 to 7 of the month, if it is Monday").
    var dayPhrase: String? {
        switch (dayOfMonthPhrase, dayOfWeekPhrase) {
        case (nil, nil): return nil
        case (let dom?, nil): return daysMustBothMatch ? "on " + dom : nil
        case (nil, let dow?): return daysMustBothMatch ? "on " + dow : nil
        case (let dom?, let dow?): return daysMustBothMatch ? "on \(dom), if it is \(dow)" : "on \(dom) or on \(dow)"
        }
    }

    /// nil when every day of the month matches.
    var dayOfMonthPhrase: String? {
        let dom = (1...31).filter { daysOfMonth & (1 << UInt32($0)) != 0 }
        if dom.count == 31 { return nil }
        var items = Self.contiguousRanges(dom).map { $0.count >= 3 ? "days \($0.lowerBound) to \($0.upperBound)" : $0.map { "day \($0)" }.joined(separator: ", ") }
        if lastDayOfMonth { items.append("the last day") }
        if lastWeekdayOfMonth { items.append("the last weekday (Monday to Friday)") }
        return Self.list(items) + " of the month"
    }

    /// nil when every day of the week matches.
    var dayOfWeekPhrase: String? {
        var items: [String] = []
        let plain = (0...6).filter { weekdays & (1 << UInt8($0)) != 0 }
        if plain.count == 7 { return nil }
        if plain == [1, 2, 3, 4, 5] {
            items.append("Monday to Friday")
        } else if plain == [0, 6] {
            items.append("Saturday and Sunday")
        } else {
            items += plain.map { Self.weekdayNames[$0] }
        }
        for day in 0...6 where lastWeekdays & (1 << UInt8(day)) != 0 { items.append("the last \(Self.weekdayNames[day]) of the month") }
        for (k, mask) in nthWeekdays.enumerated() {
            for day in 0...6 where mask & (1 << UInt8(day)) != 0 { items.append("the \(Self.ordinals[k]) \(Self.weekdayNames[day]) of the month") }
        }
        return Self.list(items)
    }

    /// Sorted values as ranges of consecutive ones: [1, 2, 3, 9] → [1...3, 9...9].
    static func contiguousRanges(_ values: [Int]) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for v in values {
            if let last = result.last, last.upperBound + 1 == v { result[result.count - 1] = last.lowerBound...v } else { result.append(v...v) }
        }
        return result
    }

    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }

    /// `n` when values are 0, n, 2n, … covering the span.
    static func step(of values: [Int], span: Int) -> Int? {
        guard values.count > 1, values[0] == 0 else { return nil }
        let n = values[1]
        guard span % n == 0, values == Array(stride(from: 0, to: span, by: n)) else { return nil }
        return n
    }

    static func contiguous(_ values: [Int]) -> ClosedRange<Int>? {
        guard let first = values.first, let last = values.last, values.count > 1, last - first + 1 == values.count else { return nil }
        return first...last
    }
}
