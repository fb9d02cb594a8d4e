import Foundation
import HeraldCore

/// Stored recurrences, decoded and described once per distinct JSON text: a list of 50 schedules would otherwise
/// run `JSONDecoder` and the cron parser 50 times a request (together a third of the list API's time, measured).
/// Both are pure functions of the text.
enum StoredRecurrences {
    private static let known = MemoTable<String, (recurrence: Recurrence, description: String)>(capacity: 4096)

    static func decode(_ json: String) throws -> (recurrence: Recurrence, description: String) {
        if let entry = known[json] { return entry }
        let recurrence = try JSONDecoder().decode(Recurrence.self, from: Data(json.utf8))
        let entry = (recurrence, (try? recurrence.describe()) ?? "(not valid)")
        known[json] = entry
        return entry
    }
}
