/// What the schedule wizard offers, stored as structured JSON beside the canonical cron expression it compiles to.
/// Fields that a kind does not use stay nil.
public struct Recurrence: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case once
        case everyMinutes = "every_minutes"
        case everyHours = "every_hours"
        case daily
        case weekly
        case monthlyDay = "monthly_day"
        case monthlyWeekday = "monthly_weekday"
        case custom
    }

    public var kind: Kind
    public var timeZone: String
    /// `once`: a local date-time, `YYYY-MM-DDTHH:MM`.
    public var at: String?
    /// `every_minutes` (a divisor of 60) and `every_hours` (a divisor of 24).
    public var interval: Int?
    /// `every_hours`: the minute past the hour.
    public var minute: Int?
    /// `daily`, `weekly`, `monthly_*`: `HH:MM`.
    public var time: String?
    /// `daily`: Monday to Friday only.
    public var weekdaysOnly: Bool?
    /// `weekly`: 0 = Sunday … 6 = Saturday.
    public var days: [Int]?
    /// `monthly_day`: 1–31, or nil with `lastDay`.
    public var dayOfMonth: Int?
    public var lastDay: Bool?
    /// `monthly_weekday`: 1–5, or -1 for the last; with `weekday` 0–6.
    public var ordinal: Int?
    public var weekday: Int?
    /// `custom`: a 5-field cron expression.
    public var cron: String?
    /// Optional bounds, local `YYYY-MM-DDTHH:MM` in `timeZone`: no run before `startsAt` or after `endsAt`, and at
    /// most `maxRuns` runs in all.
    public var startsAt: String?
    public var endsAt: String?
    public var maxRuns: Int?

    /// snake_case in JSON, as the API and the validation errors name the fields.
    enum CodingKeys: String, CodingKey {
        case kind, at, interval, minute, time, days, weekday, ordinal, cron
        case timeZone = "time_zone", weekdaysOnly = "weekdays_only", dayOfMonth = "day_of_month", lastDay = "last_day"
        case startsAt = "starts_at", endsAt = "ends_at", maxRuns = "max_runs"
    }

    public init(kind: Kind, timeZone: String, at: String? = nil, interval: Int? = nil, minute: Int? = nil, time: String? = nil,
                weekdaysOnly: Bool? = nil, days: [Int]? = nil, dayOfMonth: Int? = nil, lastDay: Bool? = nil,
                ordinal: Int? = nil, weekday: Int? = nil, cron: String? = nil) {
        self.kind = kind
        self.timeZone = timeZone
        self.at = at
        self.interval = interval
        self.minute = minute
        self.time = time
        self.weekdaysOnly = weekdaysOnly
        self.days = days
        self.dayOfMonth = dayOfMonth
        self.lastDay = lastDay
        self.ordinal = ordinal
        self.weekday = weekday
        self.cron = cron
    }

    /// The next run strictly after `instant`, within the bounds; nil when the recurrence is over.
    public func nextRun(after instant: Int64, runsSoFar: Int) throws -> Int64? {
        try nextRun(after: instant, runsSoFar: runsSoFar, compiled: try compile())
    }

    /// `nextRun` with the compiled form supplied (the firing loop compiles each distinct recurrence once).
    public func nextRun(after instant: Int64, runsSoFar: Int, compiled: Compiled) throws -> Int64? {
        if let maxRuns {
            guard maxRuns > 0 else { throw ValidationError(field: "max_runs", message: "must be at least 1") }
            if runsSoFar >= maxRuns { return nil }
        }
        let zone = try ZoneRules.named(timeZone)
        let start = try startsAt.map { zone.instant(forWall: try Self.localDateTime($0, field: "starts_at"), fold: 0) }
        let end = try endsAt.map { zone.instant(forWall: try Self.localDateTime($0, field: "ends_at"), fold: 0) }
        if let start, let end, end < start { throw ValidationError(field: "ends_at", message: "is before starts_at") }
        let from = max(instant, (start ?? Int64.min + 1) - 1)
        let next: Int64?
        switch compiled {
        case .once(let at): next = at > from ? at : nil
        case .cron(let schedule): next = schedule.nextRun(after: from)
        }
        guard let next, next <= (end ?? .max) else { return nil }
        return next
    }

    /// The compiled form: a cron expression, or the one instant of a `once`.
    public enum Compiled: Sendable {
        case cron(CronSchedule)
        case once(Int64)
    }

    public func compile() throws -> Compiled {
        let zone = try ZoneRules.named(timeZone)
        if kind == .once {
            let wall = try Self.localDateTime(at, field: "at")
            // A local time in a gap moves to the end of it; a repeated one means its first occurrence.
            var w = wall
            while !zone.exists(wall: w) { w += 60 }
            return .once(zone.occurrences(ofWall: w).first!)
        }
        return .cron(CronSchedule(expression: try CronExpression(try canonicalCron()), zone: zone))
    }

    /// The cron expression this recurrence means (nil for `once`).
    public func canonicalCron() throws -> String {
        switch kind {
        case .once:
            throw ValidationError(field: "kind", message: "a one-off run has no cron expression")
        case .everyMinutes:
            let n = try Self.require(interval, "interval")
            guard [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30].contains(n) else {
                throw ValidationError(field: "interval", message: "must divide the hour evenly (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes)")
            }
            return n == 1 ? "* * * * *" : "*/\(n) * * * *"
        case .everyHours:
            let n = try Self.require(interval, "interval")
            guard [1, 2, 3, 4, 6, 8, 12].contains(n) else {
                throw ValidationError(field: "interval", message: "must divide the day evenly (1, 2, 3, 4, 6, 8 or 12 hours)")
            }
            let m = minute ?? 0
            guard (0...59).contains(m) else { throw ValidationError(field: "minute", message: "must be from 0 to 59") }
            return n == 1 ? "\(m) * * * *" : "\(m) */\(n) * * *"
        case .daily:
            let (h, m) = try Self.timeOfDay(time)
            return "\(m) \(h) * * \(weekdaysOnly == true ? "1-5" : "*")"
        case .weekly:
            let (h, m) = try Self.timeOfDay(time)
            let chosen = Set(try Self.require(days, "days"))
            guard !chosen.isEmpty, chosen.allSatisfy({ (0...6).contains($0) }) else {
                throw ValidationError(field: "days", message: "choose at least one day of the week")
            }
            return "\(m) \(h) * * \(chosen.sorted().map(String.init).joined(separator: ","))"
        case .monthlyDay:
            let (h, m) = try Self.timeOfDay(time)
            if lastDay == true { return "\(m) \(h) L * *" }
            let day = try Self.require(dayOfMonth, "day_of_month")
            guard (1...31).contains(day) else { throw ValidationError(field: "day_of_month", message: "must be from 1 to 31") }
            return "\(m) \(h) \(day) * *"
        case .monthlyWeekday:
            let (h, m) = try Self.timeOfDay(time)
            let k = try Self.require(ordinal, "ordinal")
            let day = try Self.require(weekday, "weekday")
            guard (0...6).contains(day) else { throw ValidationError(field: "weekday", message: "must be from 0 (Sunday) to 6 (Saturday)") }
            guard k == -1 || (1...5).contains(k) else { throw ValidationError(field: "ordinal", message: "must be 1 to 5, or last") }
            return "\(m) \(h) * * \(k == -1 ? "\(day)L" : "\(day)#\(k)")"
        case .custom:
            let text = try Self.require(cron, "cron")
            do { return try CronExpression(text).description } catch { throw ValidationError(field: "cron", message: error.description) }
        }
    }

    /// "Every weekday at 07:00, Europe/Berlin".
    public func describe() throws -> String {
        let zone = ", " + timeZone
        switch kind {
        case .once: return "Once, on \(try Self.require(at, "at").replacingOccurrences(of: "T", with: " at "))" + zone
        case .everyMinutes:
            let n = try Self.require(interval, "interval")
            return (n == 1 ? "Every minute" : "Every \(n) minutes") + zone
        case .everyHours:
            let n = try Self.require(interval, "interval")
            return (n == 1 ? "Every hour" : "Every \(n) hours") + " at minute \(minute ?? 0)" + zone
        case .daily:
            return (weekdaysOnly == true ? "Every weekday" : "Every day") + " at \(try Self.require(time, "time"))" + zone
        case .weekly:
            let names = try Self.require(days, "days").sorted().map { CronExpression.weekdayNames[$0] }
            return "Every week on \(CronExpression.list(names)) at \(try Self.require(time, "time"))" + zone
        case .monthlyDay:
            let which = lastDay == true ? "the last day" : "day \(try Self.require(dayOfMonth, "day_of_month"))"
            return "Every month on \(which) at \(try Self.require(time, "time"))" + zone
        case .monthlyWeekday:
            let k = try Self.require(ordinal, "ordinal")
            let name = CronExpression.weekdayNames[try Self.require(weekday, "weekday")]
            return "Every month on the \(k == -1 ? "last" : CronExpression.ordinals[k - 1]) \(name) at \(try Self.require(time, "time"))" + zone
        case .custom:
            return try CronExpression(try canonicalCron()).plainEnglish + zone
        }
    }

    static func require<T>(_ value: T?, _ field: String) throws(ValidationError) -> T {
        guard let value else { throw ValidationError(field: field, message: "is required") }
        return value
    }

    static func timeOfDay(_ text: String?) throws(ValidationError) -> (Int, Int) {
        let value = try require(text, "time")
        let parts = value.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0...23).contains(h), (0...59).contains(m) else {
            throw ValidationError(field: "time", message: "must be HH:MM on a 24-hour clock, such as 07:00")
        }
        return (h, m)
    }

    /// `YYYY-MM-DDTHH:MM` as wall seconds.
    static func localDateTime(_ text: String?, field: String) throws(ValidationError) -> Int64 {
        let value = try require(text, field)
        guard let instant = UTCInstant.parse(value + ":00Z") else {
            throw ValidationError(field: field, message: "must be a local date and time such as 2026-12-01T07:00")
        }
        return instant
    }
}
