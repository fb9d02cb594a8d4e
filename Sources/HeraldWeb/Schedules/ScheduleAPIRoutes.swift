import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/schedules...`: the same `ScheduleService` (and `ExecutionService` for runs) the pages and the CLI use.
enum ScheduleAPIRoutes {
    struct Queued: Encodable { let executionId: UUID; let status: String }
    struct PauseBody: Decodable { let note: String? }
    struct TestBody: Decodable { let destinationId: UUID? }
    struct BackfillBody: Decodable { let from: String?; let to: String?; let rerun: Bool? }
    struct Backfilled: Encodable { let created: Int; let rerun: Int; let skipped: Int; let executionIds: [UUID] }
    static let accepted = HTTPStatus(202, "Accepted")

    static func register(_ router: inout Router) {
        router.get("/api/v1/schedules", .signedIn(.viewer)) { context in
            let list = try ListRequest(context.request)
            let filter = try filter(context.request.queryValue("status"))
            let page = try context.schedules().list(filter: filter, search: context.request.queryValue("q") ?? "", limit: list.limit,
                                                    after: list.after, actor: context.actor)
            return try .json(ListPage(items: try ScheduleJSON.remembered(page.items, alertEvery: context.settings.alertEvery), nextCursor: page.next.map(ListRequest.cursor)))
        }
        router.post("/api/v1/schedules", .signedIn(.viewer)) { context in
            let body = try ScheduleBody.object(context.request)
            let draft = try ScheduleBody.applyingTemplate(try ScheduleBody.decode(ScheduleDraft.self, from: body), body: body, context: context)
            let created = try context.schedules().create(draft, actor: context.actor)
            var response = try HTTPResponse.json(ScheduleJSON(created, alertEvery: context.settings.alertEvery), status: .created)
            response.headers.append(("Location", "/api/v1/schedules/\(created.id.uuidString.lowercased())"))
            return response
        }
        router.post("/api/v1/schedules/preview", .signedIn(.viewer)) { context in
            let draft = try ScheduleBody.draft(context.request)
            return try .json(SchedulePreviewJSON(try context.schedules().preview(draft, actor: context.actor)))
        }
        router.get("/api/v1/schedules/:id", .signedIn(.viewer)) { context in
            try .json(ScheduleJSON(try context.schedules().get(try context.id("id", "schedule"), actor: context.actor), alertEvery: context.settings.alertEvery))
        }
        router.put("/api/v1/schedules/:id", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let service = try context.schedules()
            _ = try service.get(id, actor: context.actor)
            let body = try ScheduleBody.object(context.request)
            let draft = try ScheduleBody.applyingTemplate(try ScheduleBody.decode(ScheduleDraft.self, from: body), body: body, context: context)
            return try .json(ScheduleJSON(try service.update(id, draft, actor: context.actor), alertEvery: context.settings.alertEvery))
        }
        router.patch("/api/v1/schedules/:id", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let service = try context.schedules()
            let current = try service.get(id, actor: context.actor)
            let patch = try ScheduleBody.object(context.request)
            let draft = try ScheduleBody.applyingTemplate(try ScheduleBody.merged(current.draft, with: patch), body: patch, context: context)
            return try .json(ScheduleJSON(try service.update(id, draft, actor: context.actor), alertEvery: context.settings.alertEvery))
        }
        router.delete("/api/v1/schedules/:id", .signedIn(.viewer)) { context in
            try context.schedules().delete(try context.id("id", "schedule"), actor: context.actor)
            return HTTPResponse(status: .noContent)
        }
        router.post("/api/v1/schedules/:id/pause", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let body = context.request.body.isEmpty ? PauseBody(note: nil) : try context.request.json(PauseBody.self)
            return try .json(ScheduleJSON(try context.schedules().pause(id, note: body.note ?? "", actor: context.actor), alertEvery: context.settings.alertEvery))
        }
        router.post("/api/v1/schedules/:id/resume", .signedIn(.viewer)) { context in
            try .json(ScheduleJSON(try context.schedules().resume(try context.id("id", "schedule"), actor: context.actor), alertEvery: context.settings.alertEvery))
        }
        router.post("/api/v1/schedules/:id/run", .signedIn(.viewer)) { context in
            let id = try ExecutionService(connection: try context.store()).runNow(scheduleID: try context.id("id", "schedule"), actor: context.actor)
            return try .json(Queued(executionId: id, status: "queued"), status: Self.accepted)
        }
        router.post("/api/v1/schedules/:id/test", .signedIn(.viewer)) { context in
            let scheduleID = try context.id("id", "schedule")
            let body = try context.request.json(TestBody.self)
            guard let destination = body.destinationId else {
                throw ValidationError(field: "destination_id", message: "is required")
            }
            let id = try ExecutionService(connection: try context.store()).testRun(scheduleID: scheduleID, destinationID: destination, actor: context.actor)
            return try .json(Queued(executionId: id, status: "queued"), status: Self.accepted)
        }
        router.post("/api/v1/schedules/:id/backfill", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let body = try context.request.json(BackfillBody.self)
            let result = try context.schedules().backfill(id, from: body.from ?? "", to: body.to ?? "", rerun: body.rerun ?? false,
                                                          actor: context.actor)
            return try .json(Backfilled(created: result.created, rerun: result.rerun, skipped: result.skipped,
                                        executionIds: result.executionIDs), status: Self.accepted)
        }
        router.get("/api/v1/schedules/:id/history", .signedIn(.viewer)) { context in
            let list = try ListRequest(context.request)
            let page = try context.schedules().history(try context.id("id", "schedule"), limit: list.limit, after: list.after, actor: context.actor)
            return try .json(ListPage(items: page.runs.map(ScheduleRunJSON.init), nextCursor: page.next.map(ListRequest.cursor)))
        }
    }

    static func filter(_ text: String?) throws -> ScheduleFilter {
        guard let text, !text.isEmpty else { return .all }
        guard let filter = ScheduleFilter(rawValue: text) else {
            throw ValidationError(field: "status", message: "must be all, active, paused or failing")
        }
        return filter
    }
}
