import Foundation
import HeraldCore

/// Stored recurrences, decoded and described once per distinct JSON text: a list of 50 schedules would otherwise
/// run `JSONDecoder` and the cron parser 50 times a request (together a third of the list API's time, measured).
/// Both are pure functions of the text; the cache forgets everything when it grows past `capacity`.
final class StoredRecurrences: @unchecked Sendable {
    static let shared = StoredRecurrences()
    let capacity = 4096
    private let lock = NSLock()
    private var known: [String: (recurrence: Recurrence, description: String)] = [:]

    func decode(_ json: String) throws -> (recurrence: Recurrence, description: String) {
        if let entry = lock.withLock({ known[json] }) { return entry }
        let recurrence = try JSONDecoder().decode(Recurrence.self, from: Data(json.utf8))
        let entry = (recurrence, (try? recurrence.describe()) ?? "(not valid)")
        lock.withLock {
            if known.count >= capacity { known.removeAll(keepingCapacity: true) }
            known[json] = entry
        }
        return entry
    }
}
