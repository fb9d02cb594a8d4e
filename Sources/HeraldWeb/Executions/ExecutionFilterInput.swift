import Foundation
import HeraldCore
import HeraldStore

/// Reads `status`, `schedule_id`, `from` and `to` from a query, for the list page's GET form and the API alike. A
/// date (`2026-12-02`, as `<input type=date>` sends it) is a day in `zone`: `from` its start, `to` the end of that day;
/// an instant (`2026-12-02T08:00:00Z`) is taken as it is. Empty fields are no filter.
enum ExecutionFilterInput {
    static func parse(_ request: HTTPRequest, zone: String) throws -> ExecutionHistoryService.Filter {
        var errors: [ValidationError] = []
        func value(_ name: String) -> String? {
            guard let text = request.queryValue(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var filter = ExecutionHistoryService.Filter(status: value("status"))
        if let text = value("schedule_id") {
            if let id = UUID(uuidString: text) { filter.scheduleID = id } else {
                errors.append(ValidationError(field: "schedule_id", message: "must be a schedule id"))
            }
        }
        for (name, endOfDay) in [("from", false), ("to", true)] {
            guard let text = value(name) else { continue }
            guard let date = instant(text, zone: zone, endOfDay: endOfDay) else {
                errors.append(ValidationError(field: name, message: "must be a date (YYYY-MM-DD) or an instant (YYYY-MM-DDTHH:MM:SSZ)"))
                continue
            }
            if endOfDay { filter.to = date } else { filter.from = date }
        }
        do { try filter.validate() } catch let invalid as ValidationErrors { errors = invalid.errors + errors }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return filter
    }

    static func instant(_ text: String, zone: String, endOfDay: Bool) -> Date? {
        if let seconds = UTCInstant.parse(text) { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        if let date = isoFormatter.date(from: text) { return date }
        guard text.utf8.count == 10, let midnight = UTCInstant.parse(text + "T00:00:00Z") else { return nil }
        let local = midnight + (endOfDay ? 86_400 : 0)
        let rules = try? ZoneRules.named(zone)
        let guess = local - Int64(rules?.offset(at: local) ?? 0)
        let utc = local - Int64(rules?.offset(at: guess) ?? 0)
        return Date(timeIntervalSince1970: TimeInterval(utc))
    }

    nonisolated(unsafe) static let isoFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    /// The query string that repeats the filters (for the next page's link), without `cursor`.
    static func query(_ request: HTTPRequest) -> String {
        ["status", "schedule_id", "from", "to", "limit"].compactMap { name in
            guard let value = request.queryValue(name), !value.isEmpty else { return nil }
            return "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
    }
}
