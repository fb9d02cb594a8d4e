import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// The run history every reader shares: the /executions page, the API and `herald execution list`.
struct ExecutionHistoryServiceTests {
    @Test func theCommandLineSeesEveryRunAndCanKeepOnlyDeadLetters() throws {
        let f = try ScheduleFixture()
        let mine = try f.service().create(f.draft(), actor: .user(f.creator))
        let theirs = try f.service().create(ScheduleDraft(name: "Stock", reportID: f.otherReport,
                                                          recurrence: Recurrence(kind: .daily, timeZone: "UTC", time: "06:00"),
                                                          destinationIDs: [f.otherDestination]), actor: .user(f.other))
        func run(_ schedule: ScheduleRecord, hoursAgo: Int, dead: Bool) throws -> UUID {
            try f.connection.query("""
                INSERT INTO executions (schedule_id, report_id, scheduled_for, status, dead_lettered_at)
                VALUES (\(schedule.id), \(schedule.reportID), now() - make_interval(hours => \(hoursAgo)), 'failed',
                        CASE WHEN \(dead) THEN now() END)
                RETURNING id
                """)[0].decode("id")
        }
        let old = try run(mine, hoursAgo: 3, dead: true)
        let recent = try run(theirs, hoursAgo: 1, dead: false)
        let middle = try run(theirs, hoursAgo: 2, dead: true)
        let history = ExecutionHistoryService(connection: f.connection)

        #expect(try history.list(.init(), limit: 10, after: nil, actor: .commandLine).items.map(\.id) == [recent, middle, old])
        #expect(try history.list(.init(deadLettered: true), limit: 10, after: nil, actor: .commandLine).items.map(\.id) == [middle, old])
        #expect(try history.list(.init(scheduleID: theirs.id, deadLettered: true), limit: 10, after: nil, actor: .commandLine)
            .items.map(\.id) == [middle])
        // A creator sees only their own schedule's runs, dead letters included.
        #expect(try history.list(.init(deadLettered: true), limit: 10, after: nil, actor: .user(f.creator)).items.map(\.id) == [old])
    }
}
