import Foundation
import HeraldCore

/// Schedule records as last read, by id, with the version of the rows they were read from (`ScheduleRecord.version`):
/// a list asks PostgreSQL for its page's ids and versions only, and reads in full just the rows whose version it
/// has not seen. Formatting ~45 columns of 50 rows as text and decoding them again was most of the list's cost
/// in PostgreSQL and in `herald web` (measured under wrk); a schedule changes far less often than it is listed.
///
/// A version is PostgreSQL's own: the schedule row's `xmin` and `ctid`. Every update writes a new row version with
/// the updating transaction's id, and a change of what the record shows from other tables (its shares, its report's
/// name, its owner's alert settings) writes one too (migration 0031's triggers).
/// Versions are only compared within one run of one server (`server`: its start time; a restore, a failover or a
/// restart may reuse transaction ids), and a record older than `lifetime` is read again, long before transaction
/// ids wrap around.
enum StoredScheduleRecords {
    static let lifetime: TimeInterval = 3600
    /// A class: a hit copies one reference out of the table, not the record's forty fields.
    private final class Entry: Sendable {
        let record: ScheduleRecord, server: String, readAt: TimeInterval
        init(_ record: ScheduleRecord, server: String, readAt: TimeInterval) { self.record = record; self.server = server; self.readAt = readAt }
    }
    private static let known = MemoTable<UUID, Entry>(capacity: 20_000)

    /// The remembered record of each (id, version) read from `server`, nil where none is.
    static func records(_ rows: [(id: UUID, version: String)], server: String) -> [ScheduleRecord?] {
        let now = ProcessInfo.processInfo.systemUptime
        return zip(rows, known.values(rows.map(\.id))).map { row, entry in
            guard let entry, entry.record.version == row.version, entry.server == server, now - entry.readAt < lifetime else { return nil }
            return entry.record
        }
    }

    static func remember(_ records: [ScheduleRecord], server: String) {
        let now = ProcessInfo.processInfo.systemUptime
        for record in records { known[record.id] = Entry(record, server: server, readAt: now) }
    }
}
