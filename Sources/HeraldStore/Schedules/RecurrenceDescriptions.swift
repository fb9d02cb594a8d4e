import Foundation
import HeraldCore

/// A recurrence's description in words, remembered by its stored JSON: describing parses its cron expression, and a
/// list of 50 schedules would otherwise do that 50 times a request (13% of the list API's time, measured). The
/// description is a pure function of the JSON; the cache forgets everything when it grows past `capacity`.
final class RecurrenceDescriptions: @unchecked Sendable {
    static let shared = RecurrenceDescriptions()
    let capacity = 4096
    private let lock = NSLock()
    private var known: [String: String] = [:]

    func describe(_ recurrence: Recurrence, key: String) -> String {
        if let text = lock.withLock({ known[key] }) { return text }
        let text = (try? recurrence.describe()) ?? "(not valid)"
        lock.withLock {
            if known.count >= capacity { known.removeAll(keepingCapacity: true) }
            known[key] = text
        }
        return text
    }
}
