import Foundation
import Postgres

extension ExecutionLeaseRepository {
    /// The digest and slot of the schedule's most recently finished run that delivered (succeeded or partial) and
    /// has a digest: what an `if_changed` run compares its result with. Nil when there is none (the first run
    /// delivers). Skipped runs never count, so an unchanged result keeps comparing with what people last got.
    public func lastDeliveredResult(scheduleID: UUID) throws -> (digest: [UInt8], scheduledFor: Date)? {
        guard let row = try connection.query("""
            SELECT result_sha256, scheduled_for FROM executions
            WHERE schedule_id = \(scheduleID) AND status IN ('succeeded', 'partial') AND result_sha256 IS NOT NULL
            ORDER BY finished_at DESC, id DESC LIMIT 1
            """).first else { return nil }
        return (try row.decode("result_sha256"), try row.decode("scheduled_for"))
    }
}
