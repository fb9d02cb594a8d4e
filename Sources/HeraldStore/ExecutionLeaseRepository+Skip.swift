import Foundation
import Postgres

extension ExecutionLeaseRepository {
    /// Ends a run whose delivery condition did not hold: `skipped`, with the reason the history shows, the row
    /// count, the truncated flag and the result's digest (so a later `if_changed` run compares with the right one).
    /// Like `startDelivering`, the data source slot the query held is freed and the best run parked on it woken
    /// whatever happens; every other write is conditioned on the lease. `skipped` is false when the lease was lost
    /// and nothing was recorded. Like a run's finish, a skip wakes the run waiting behind its schedule (the next slot
    /// of a backfill), under the schedule's lock taken first.
    public func skip(_ id: UUID, owner: String, reason: String, rowCount: Int, truncated: Bool, resultDigest: [UInt8]?,
                     timings: [String: Double] = [:], parameters: String? = nil, releasing slot: (dataSourceID: UUID, slot: Int)? = nil) throws
        -> (skipped: Bool, woken: [WokenRun]) {
        try connection.transaction {
            _ = try connection.execute(Self.scheduleLockQuery(of: id))
            let ended = try skipQuery(id, owner: owner, reason: reason, rowCount: rowCount, truncated: truncated, resultDigest: resultDigest,
                                      timings: timings, parameters: parameters, releasing: slot)
            if ended.skipped { _ = try connection.query(Self.wakeBehindScheduleQuery(after: id)) }
            return ended
        }
    }

    private func skipQuery(_ id: UUID, owner: String, reason: String, rowCount: Int, truncated: Bool, resultDigest: [UInt8]?,
                           timings: [String: Double], parameters: String?, releasing slot: (dataSourceID: UUID, slot: Int)?) throws
        -> (skipped: Bool, woken: [WokenRun]) {
        let rows = try connection.query("""
            WITH \(fragment: Self.releasingSlot(slot)), skipped AS (
                UPDATE executions
                SET status = 'skipped', step = NULL, finished_at = clock_timestamp(), skip_reason = \(reason), error = NULL,
                    row_count = \(rowCount), truncated = truncated OR \(truncated), result_sha256 = \(resultDigest)::bytea,
                    parameters = coalesce(\(parameters)::jsonb, parameters),
                    step_timings = step_timings || \(Self.timingsJSON(timings))::jsonb, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
                RETURNING id
            )
            SELECT EXISTS (SELECT 1 FROM skipped) AS skipped, (SELECT ok FROM released) AS released,
                   (SELECT id FROM woken) AS woken_id, (SELECT priority FROM woken) AS woken_priority
            """)
        let row = rows[0]
        var woken: [WokenRun] = []
        if let wokenID = try row.decode("woken_id", as: UUID?.self) {
            woken.append(WokenRun(id: wokenID, priority: try row.decode("woken_priority")))
        }
        return (try row.decode("skipped"), woken)
    }
}
