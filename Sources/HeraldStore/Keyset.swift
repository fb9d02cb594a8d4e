import Foundation
import HeraldCore

/// Where a keyset-paginated list continues: after the item whose sort key is `key`, ties broken by its `id`. Every
/// list's cursor is these two parts (HeraldWeb's `ListRequest` turns them into an opaque string and back); they are
/// checked here, once, before they reach SQL, and parts this server did not give out are a `ValidationError` naming
/// `cursor`, never a silent first page nor a database error.
public struct Keyset<ID: Sendable>: Sendable {
    public enum Key: Sendable {
        /// Any text (a name, an e-mail).
        case text
        /// An instant as `Keyset.instantSQL` prints it: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
        case instant
    }

    public let key: String
    public let id: ID

    /// The keyset a cursor's parts name; nil for the first page (no cursor).
    public static func after(_ parts: [String]?, key kind: Key, id parse: (String) -> ID?) throws -> Keyset? {
        guard let parts else { return nil }
        guard parts.count == 2, let id = parse(parts[1]), kind == .text || isInstant(parts[0]) else {
            throw ValidationError(field: "cursor", message: "is not a cursor this server gave out")
        }
        return Keyset(key: parts[0], id: id)
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as `instantSQL` writes it.
    static func isInstant(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 27, b[19] == 46, b[26] == 90, b[20..<26].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        return UTCInstant.parse(String(text.prefix(19)) + "Z") != nil
    }
}

extension Keyset where ID == UUID {
    public static func after(_ parts: [String]?, key kind: Key) throws -> Keyset? {
        try after(parts, key: kind) { UUID(uuidString: $0) }
    }

    /// The cursor's parts for the item with this sort key and id.
    public static func parts(_ key: String, _ id: UUID) -> [String] { [key, id.uuidString.lowercased()] }
}

/// The SQL that prints a `timestamptz` column as an `.instant` sort key (microseconds, UTC), for a select list.
func instantSortKey(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
}
