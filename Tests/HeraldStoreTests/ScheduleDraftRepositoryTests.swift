import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// The wizard's drafts: starting one sweeps away expired drafts, whoever made them, a bounded batch at a time.
struct ScheduleDraftRepositoryTests {
    @Test func aNewDraftSweepsEveryUsersExpiredDraftsABatchAtATime() throws {
        let f = try ScheduleFixture()
        let drafts = ScheduleDraftRepository(connection: f.connection)
        func add(_ owner: Principal, expired: Bool, count: Int = 1) throws {
            try f.connection.execute("""
                INSERT INTO schedule_drafts (user_id, expires_at)
                SELECT \(owner.userID), now() + CASE WHEN \(expired) THEN interval '-1 minute' ELSE interval '2 days' END
                FROM generate_series(1, \(count))
                """)
        }
        func count(_ owner: Principal, expired: Bool) throws -> Int {
            try f.connection.query("""
                SELECT count(*)::int AS n FROM schedule_drafts WHERE user_id = \(owner.userID) AND (expires_at < now()) = \(expired)
                """)[0].decode("n")
        }
        let batch = ScheduleDraftRepository.sweepBatch
        try add(f.other, expired: true, count: batch - 10)
        try add(f.admin, expired: true, count: 15)
        try add(f.other, expired: false)

        _ = try drafts.create(ScheduleDraft(), actor: .user(f.creator))
        #expect(try count(f.other, expired: true) + count(f.admin, expired: true) == 5)
        _ = try drafts.create(ScheduleDraft(), actor: .user(f.creator))
        #expect(try count(f.other, expired: true) == 0)
        #expect(try count(f.admin, expired: true) == 0)
        // Drafts still alive stay, the sweeper's own included.
        #expect(try count(f.other, expired: false) == 1)
        #expect(try count(f.creator, expired: false) == 2)
    }
}
