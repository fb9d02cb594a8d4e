import Foundation
import HeraldCore
import HeraldStore

/// `/api/v1/executions…` and `/api/v1/artifacts/{id}/link`: the same services as the pages.
enum ExecutionAPIRoutes {
    static func register(_ router: inout Router) {
        router.get("/api/v1/executions", .signedIn(.viewer)) { context in
            let list = try ListRequest(context.request)
            let filter = try ExecutionFilterInput.parse(context.request, zone: "UTC")
            let page = try ExecutionHistoryService(connection: try context.store()).list(filter, limit: list.limit, after: list.after, actor: context.actor)
            return try .json(ListPage(items: page.items, nextCursor: page.next.map(ListRequest.cursor)))
        }
        router.get("/api/v1/executions/:id", .signedIn(.viewer)) { context in
            try .json(ExecutionJSON(try ExecutionHistoryService(connection: try context.store()).get(id: try context.id("id", "execution"), actor: context.actor)))
        }
        router.post("/api/v1/executions/:id/resend", .signedIn(.viewer)) { context in
            let id = try context.id("id", "execution")
            let connection = try context.store()
            try ExecutionService(connection: connection).resendFailed(executionID: id, actor: context.actor)
            return try .json(ExecutionJSON(try ExecutionHistoryService(connection: connection).get(id: id, actor: context.actor)), status: HTTPStatus(202, "Accepted"))
        }
        router.post("/api/v1/executions/:id/requeue", .signedIn(.viewer)) { context in
            let id = try context.id("id", "execution")
            let connection = try context.store()
            try ExecutionService(connection: connection).requeueDeadLetter(executionID: id, actor: context.actor)
            return try .json(ExecutionJSON(try ExecutionHistoryService(connection: connection).get(id: id, actor: context.actor)), status: HTTPStatus(202, "Accepted"))
        }
        for (action, pinned) in [("pin", true), ("unpin", false)] {
            router.post("/api/v1/executions/:id/\(action)", .signedIn(.viewer)) { context in
                let id = try context.id("id", "execution")
                let connection = try context.store()
                try ExecutionService(connection: connection).setPinned(pinned, executionID: id, actor: context.actor)
                return try .json(ExecutionJSON(try ExecutionHistoryService(connection: connection).get(id: id, actor: context.actor)))
            }
        }
        router.get("/api/v1/artifacts/:id/link", .signedIn(.viewer)) { context in
            let id = try context.id("id", "artifact")
            _ = try ExecutionHistoryService(connection: try context.store()).authorizeDownload(artifactID: id, actor: context.actor)
            let link = ArtifactLink.issue(for: id, key: context.settings.secretKey)
            let base = context.settings.baseURL.hasSuffix("/") ? String(context.settings.baseURL.dropLast()) : context.settings.baseURL
            return try .json(ArtifactLinkJSON(url: base + link.path, expiresAt: Date(timeIntervalSince1970: TimeInterval(link.expires))))
        }
    }
}

/// `GET /api/v1/executions/{id}`: the run, its steps' timings, deliveries and artifacts.
struct ExecutionJSON: Encodable {
    let id: UUID
    let scheduleId: UUID?
    let scheduleName: String
    let reportId: UUID
    let reportName: String
    let scheduledFor: Date
    let trigger: String
    let status: String
    let step: String?
    let attempts: Int
    let priority: Int
    let enqueuedAt: Date?
    let startedAt: Date?
    let finishedAt: Date?
    let rowCount: Int64?
    let truncated: Bool
    let pinned: Bool
    let parameters: [String: ParameterInput]
    let reportVersion: Int?
    let latenessMs: Double?
    let missedCount: Int
    let skipReason: String?
    let deadLetteredAt: Date?
    let error: String?
    let requestedBy: String?
    let createdAt: Date
    let steps: [ExecutionDetail.Step]
    let deliveries: [DeliveryRecord]
    let artifacts: [ArtifactRecord]

    init(_ detail: ExecutionDetail) {
        let e = detail.execution
        id = e.id; scheduleId = e.scheduleID; scheduleName = e.scheduleName; reportId = e.reportID; reportName = e.reportName
        scheduledFor = e.scheduledFor; trigger = e.trigger; status = e.status; step = detail.step; attempts = e.attempts
        priority = e.priority; enqueuedAt = detail.enqueuedAt; startedAt = e.startedAt; finishedAt = e.finishedAt
        rowCount = e.rowCount; truncated = e.truncated; pinned = e.pinned; parameters = e.parameters; reportVersion = e.reportVersion; latenessMs = detail.latenessMs; missedCount = detail.missedCount; skipReason = detail.skipReason
        deadLetteredAt = detail.deadLetteredAt; error = e.error; requestedBy = detail.requestedBy.isEmpty ? nil : detail.requestedBy
        createdAt = detail.createdAt; steps = detail.steps; deliveries = detail.deliveries; artifacts = detail.artifacts
    }

    enum CodingKeys: String, CodingKey {
        case id, scheduleId, scheduleName, reportId, reportName, scheduledFor, trigger, status, step, attempts, priority, enqueuedAt,
             startedAt, finishedAt, rowCount, truncated, pinned, parameters, reportVersion, latenessMs, missedCount, skipReason, deadLetteredAt, error, requestedBy, createdAt,
             steps, deliveries, artifacts
    }

    /// Nulls are written as `null` (not left out), so every documented key is always there.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(scheduleId, forKey: .scheduleId); try c.encode(scheduleName, forKey: .scheduleName)
        try c.encode(reportId, forKey: .reportId); try c.encode(reportName, forKey: .reportName)
        try c.encode(scheduledFor, forKey: .scheduledFor); try c.encode(trigger, forKey: .trigger); try c.encode(status, forKey: .status)
        try c.encode(step, forKey: .step); try c.encode(attempts, forKey: .attempts); try c.encode(priority, forKey: .priority)
        try c.encode(enqueuedAt, forKey: .enqueuedAt); try c.encode(startedAt, forKey: .startedAt); try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(rowCount, forKey: .rowCount); try c.encode(truncated, forKey: .truncated); try c.encode(pinned, forKey: .pinned)
        try c.encode(parameters, forKey: .parameters); try c.encode(reportVersion, forKey: .reportVersion); try c.encode(latenessMs, forKey: .latenessMs); try c.encode(missedCount, forKey: .missedCount)
        try c.encode(skipReason, forKey: .skipReason); try c.encode(deadLetteredAt, forKey: .deadLetteredAt); try c.encode(error, forKey: .error)
        try c.encode(requestedBy, forKey: .requestedBy); try c.encode(createdAt, forKey: .createdAt); try c.encode(steps, forKey: .steps)
        try c.encode(deliveries, forKey: .deliveries); try c.encode(artifacts, forKey: .artifacts)
    }
}

/// `GET /api/v1/artifacts/{id}/link`.
struct ArtifactLinkJSON: Encodable {
    let url: String
    let expiresAt: Date
}
