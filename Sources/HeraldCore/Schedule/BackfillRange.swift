import Foundation

/// The slots a backfill runs: every run of the schedule's own recurrence from local midnight of `from` to the end of
/// `to` (both `YYYY-MM-DD`, read in the schedule's zone, or full `YYYY-MM-DDTHH:MM[:SS]Z` instants), only those
/// before `now`, and at most `limit`. Pure, so the limits and the DST edges are tested without a database.
public struct BackfillRange: Sendable, Equatable {
    /// The first instant included and the first one past the range.
    public let start: Int64
    public let end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// Reads the two bounds; every problem is a field error (`from`, `to`), all of them at once.
    public static func parse(from: String, to: String, timeZone: String, now: Int64) throws(ValidationErrors) -> BackfillRange {
        var errors: [ValidationError] = []
        let zone: ZoneRules
        do { zone = try ZoneRules.named(timeZone) } catch { throw ValidationErrors([error]) }
        let start = bound(from, field: "from", zone: zone, endOfDay: false, errors: &errors)
        let end = bound(to, field: "to", zone: zone, endOfDay: true, errors: &errors)
        // `to` may be today (its slots up to now are taken), not a later day.
        let toBegins = bound(to, field: "to", zone: zone, endOfDay: false, errors: &errors)
        if let start, let end, let toBegins {
            if end <= start { errors.append(ValidationError(field: "to", message: "must not be before from")) }
            if start >= now { errors.append(ValidationError(field: "from", message: "must be in the past: only slots that are over can be backfilled")) }
            if toBegins > now && !errors.contains(where: { $0.field == "to" }) {
                errors.append(ValidationError(field: "to", message: "must not be in the future: only slots that are over can be backfilled"))
            }
        }
        guard errors.isEmpty, let start, let end else { throw ValidationErrors(errors) }
        return BackfillRange(start: start, end: end)
    }

    /// The recurrence's slots in the range and before `now`, oldest first; more than `limit` is an error on `to`
    /// that names the count (counted up to a bound, so a huge range costs no more than that).
    public func slots(of recurrence: Recurrence, compiled: Recurrence.Compiled, now: Int64, limit: Int) throws -> [Int64] {
        var slots: [Int64] = []
        var cursor = start - 1
        let stop = min(end, now)
        let counted = max(limit, 0) * 10 + 1000
        var total = 0
        while total < counted, let next = try recurrence.nextRun(after: cursor, runsSoFar: 0, compiled: compiled), next < stop {
            if slots.count < limit { slots.append(next) }
            total += 1
            cursor = next
        }
        guard total <= limit else {
            let count = total >= counted ? "more than \(counted - 1)" : "\(total)"
            throw ValidationErrors([ValidationError(field: "to", message: "the range holds \(count) slots; at most \(limit) can be backfilled at once")])
        }
        return slots
    }

    private static func bound(_ text: String, field: String, zone: ZoneRules, endOfDay: Bool, errors: inout [ValidationError]) -> Int64? {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value.count == 10, let midnight = UTCInstant.parse(value + "T00:00:00Z") {
            // A local date: its midnight (the first instant after a gap, if midnight is skipped), or the next one's.
            return zone.instant(forWall: midnight + (endOfDay ? 86_400 : 0), fold: 0)
        }
        if value.count > 10, value.hasSuffix("Z"), let instant = UTCInstant.parse(value) { return instant + (endOfDay ? 1 : 0) }
        if errors.contains(where: { $0.field == field }) { return nil }
        errors.append(ValidationError(field: field, message: value.isEmpty ? "is required" : "must be a date such as 2026-11-01"))
        return nil
    }
}
