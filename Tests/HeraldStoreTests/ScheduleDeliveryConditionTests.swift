import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// A schedule's delivery condition through the service: stored, read back, validated beside its fields.
struct ScheduleDeliveryConditionTests {
    @Test func aNewScheduleDeliversAlways() throws {
        let f = try ScheduleFixture()
        let created = try f.service().create(f.draft(), actor: .user(f.creator))
        #expect(created.deliveryCondition == .always)
        let stored: String = try f.connection.query("SELECT delivery_condition->>'mode' AS mode FROM schedules WHERE id = \(created.id)")[0]
            .decode("mode")
        #expect(stored == "always")
    }

    @Test func theConditionIsStoredNormalizedAndReadBack() throws {
        let f = try ScheduleFixture()
        var draft = f.draft()
        draft.deliveryCondition = DeliveryCondition(mode: "if_condition", measure: "sum", column: " amount ", operator: ">", threshold: " 5000 ")
        let created = try f.service().create(draft, actor: .user(f.creator))
        let expected = DeliveryCondition(measure: .sum, column: "amount", .greater, "5000")
        #expect(created.deliveryCondition == expected)
        #expect(try f.service().get(created.id, actor: .user(f.creator)).deliveryCondition == expected)
        #expect(created.draft.deliveryCondition == expected)

        draft.deliveryCondition = DeliveryCondition(mode: "if_changed", measure: "sum", column: "amount", operator: ">", threshold: "1")
        let updated = try f.service().update(created.id, draft, actor: .user(f.creator))
        #expect(updated.deliveryCondition == DeliveryCondition(.ifChanged))
        let json: String = try f.connection.query("SELECT delivery_condition::text AS c FROM schedules WHERE id = \(created.id)")[0].decode("c")
        #expect(json == #"{"mode": "if_changed"}"#)
    }

    @Test func aBadConditionIsRefusedBesideEachFieldAndNothingIsStored() throws {
        let f = try ScheduleFixture()
        var draft = f.draft()
        draft.deliveryCondition = DeliveryCondition(mode: "if_condition", measure: "first_row", column: "", operator: "<", threshold: "open")
        #expect(fields { _ = try f.service().create(draft, actor: .user(f.creator)) }
            == ["delivery_condition.column", "delivery_condition.threshold"])
        draft.deliveryCondition = DeliveryCondition(mode: "sometimes")
        #expect(fields { _ = try f.service().create(draft, actor: .user(f.creator)) } == ["delivery_condition.mode"])
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM schedules")[0].decode("n", as: Int.self) == 0)
        let preview = f.service().preview(draft, actor: .user(f.creator), count: 0)
        #expect(preview.errors.map(\.field) == ["delivery_condition.mode"])
    }

    @Test func theHistoryShowsWhyARunWasSkipped() throws {
        let f = try ScheduleFixture()
        let created = try f.service().create(f.draft(), actor: .user(f.creator))
        try f.connection.execute("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, trigger, status, skip_reason, finished_at)
            VALUES (\(created.id), \(f.report), now(), 'schedule', 'skipped', 'no rows', now())
            """)
        let runs = try f.service().history(created.id, actor: .user(f.creator)).runs
        #expect(runs.map(\.skipReason) == ["no rows"])
    }
}
