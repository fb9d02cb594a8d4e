import Foundation
import HeraldCore
import HeraldStore

/// A schedule in the API, exactly as issue 9 names its fields (snake_case comes from the encoder, so the
/// properties say `Id`, not `ID`). `cron` and `description` are read-only.
struct ScheduleJSON: Encodable {
    struct LastRun: Encodable { let id: UUID; let status: String; let finishedAt: Date? }

    let id: UUID
    let name: String
    let reportId: UUID
    let recurrence: Recurrence
    let cron: String?
    let description: String
    let parameters: [String: ParameterInput]
    let destinationIds: [UUID]
    let formats: [String]
    let exportOptions: ExportOptions
    let filenamePattern: String
    let naming: String
    let misfirePolicy: String
    let overlapPolicy: String
    let jitterSeconds: Int
    let priority: Int
    let paused: Bool
    let pauseNote: String
    let sharedWith: [UUID]
    let deliveryCondition: DeliveryCondition
    let emailSubject: String
    let emailBodyMd: String
    let templateId: UUID?
    let retentionDays: Int?
    let pauseAfterFailures: Int?
    let deadlineMinutes: Int?
    let alertEmail: Bool?
    let alertInApp: Bool?
    let alertFailures: String?
    let alertEvery: Int?
    let alertRecovery: Bool?
    let alertRule: AlertRuleJSON
    let ownerId: UUID?
    let nextRunAt: Date?
    let lastRun: LastRun?
    let createdAt: Date
    let updatedAt: Date

    /// `standard`: `HERALD_ALERT_EVERY`, for the effective alert rule.
    init(_ s: ScheduleRecord, alertEvery standard: Int) {
        id = s.id; name = s.name; reportId = s.reportID; recurrence = s.recurrence; cron = s.cron; description = s.description
        parameters = s.parameters; destinationIds = s.destinationIDs; formats = s.formats; exportOptions = s.exportOptions; filenamePattern = s.filenamePattern
        naming = s.naming; misfirePolicy = s.misfirePolicy; overlapPolicy = s.overlapPolicy; jitterSeconds = s.jitterSeconds
        priority = s.priority; paused = s.paused; pauseNote = s.pauseNote; sharedWith = s.sharedWith; ownerId = s.ownerID
        deliveryCondition = s.deliveryCondition
        emailSubject = s.emailSubject; emailBodyMd = s.emailBodyMd; templateId = s.templateID; retentionDays = s.retentionDays
        pauseAfterFailures = s.pauseAfterFailures; deadlineMinutes = s.deadlineMinutes
        alertEmail = s.alerts.email; alertInApp = s.alerts.inApp; alertFailures = s.alerts.failures; alertEvery = s.alerts.every
        alertRecovery = s.alerts.recovery
        alertRule = AlertRuleJSON(s.alertRule(every: standard), fromOwner: s.alerts.isEmpty)
        nextRunAt = s.nextRunAt; lastRun = s.lastRun.map { LastRun(id: $0.id, status: $0.status, finishedAt: $0.finishedAt) }
        createdAt = s.createdAt; updatedAt = s.updatedAt
    }

    /// An item as written, with the record it was written from: a record stands for one version of its schedule
    /// (`ScheduleRecord.version`, and `StoredScheduleRecords` hands out one shared record per version), so the
    /// same record object with the same standard alert rule means the same JSON.
    private struct Written { let record: ScheduleRecord; let alertEvery: Int; let json: EncodedJSON }
    private static let written = MemoTable<UUID, Written>(capacity: 4096)

    /// A list's items, each written once per version of its schedule. The page's rows are looked up under one lock.
    static func remembered(_ records: [ScheduleRecord], alertEvery standard: Int) throws -> [EncodedJSON] {
        let known = written.values(records.map(\.id))
        return try zip(records, known).map { record, known in
            if let known, known.record === record, known.alertEvery == standard { return known.json }
            let json = try EncodedJSON(ScheduleJSON(record, alertEvery: standard))
            written[record.id] = Written(record: record, alertEvery: standard, json: json)
            return json
        }
    }

    /// `null` fields are written out (not left off), as the schema says they are always present.
    func encode(to encoder: any Encoder) throws {
        enum Key: String, CodingKey {
            case id, name, reportId, recurrence, cron, description, parameters, destinationIds, formats, exportOptions, filenamePattern, naming
            case misfirePolicy, overlapPolicy, jitterSeconds, priority, paused, pauseNote, sharedWith, deliveryCondition, ownerId
            case nextRunAt, lastRun, emailSubject, emailBodyMd, templateId, retentionDays, pauseAfterFailures, deadlineMinutes
            case alertEmail, alertInApp, alertFailures, alertEvery, alertRecovery, alertRule
            case createdAt, updatedAt
        }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id); try c.encode(name, forKey: .name); try c.encode(reportId, forKey: .reportId)
        try c.encode(recurrence, forKey: .recurrence); try c.encode(cron, forKey: .cron); try c.encode(description, forKey: .description)
        try c.encode(parameters, forKey: .parameters); try c.encode(destinationIds, forKey: .destinationIds)
        try c.encode(formats, forKey: .formats); try c.encode(exportOptions, forKey: .exportOptions); try c.encode(filenamePattern, forKey: .filenamePattern); try c.encode(naming, forKey: .naming)
        try c.encode(misfirePolicy, forKey: .misfirePolicy); try c.encode(overlapPolicy, forKey: .overlapPolicy)
        try c.encode(jitterSeconds, forKey: .jitterSeconds); try c.encode(priority, forKey: .priority); try c.encode(paused, forKey: .paused)
        try c.encode(pauseNote, forKey: .pauseNote); try c.encode(sharedWith, forKey: .sharedWith); try c.encode(ownerId, forKey: .ownerId)
        try c.encode(deliveryCondition, forKey: .deliveryCondition)
        try c.encode(emailSubject, forKey: .emailSubject); try c.encode(emailBodyMd, forKey: .emailBodyMd); try c.encode(templateId, forKey: .templateId)
        try c.encode(retentionDays, forKey: .retentionDays); try c.encode(pauseAfterFailures, forKey: .pauseAfterFailures)
        try c.encode(deadlineMinutes, forKey: .deadlineMinutes)
        try c.encode(alertEmail, forKey: .alertEmail); try c.encode(alertInApp, forKey: .alertInApp)
        try c.encode(alertFailures, forKey: .alertFailures); try c.encode(alertEvery, forKey: .alertEvery)
        try c.encode(alertRecovery, forKey: .alertRecovery); try c.encode(alertRule, forKey: .alertRule)
        try c.encode(nextRunAt, forKey: .nextRunAt); try c.encode(lastRun, forKey: .lastRun)
        try c.encode(createdAt, forKey: .createdAt); try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// One run of a schedule's history in the API.
struct ScheduleRunJSON: Encodable {
    struct Delivery: Encodable {
        let id: UUID; let destinationId: UUID?; let destinationName: String?; let channel: String; let recipient: String
        let status: String; let attempts: Int; let lastError: String?; let deliveredAt: Date?
    }
    struct Artifact: Encodable { let id: UUID; let format: String; let fileName: String; let byteCount: Int64 }

    let id: UUID
    let scheduledFor: Date
    let trigger: String
    let status: String
    let attempts: Int
    let startedAt: Date?
    let finishedAt: Date?
    let durationSeconds: Double?
    let rowCount: Int64?
    let truncated: Bool
    let error: String?
    let parameters: [String: ParameterInput]
    let skipReason: String?
    let superseded: Bool
    let deliveries: [Delivery]
    let artifacts: [Artifact]

    init(_ r: ScheduleRun) {
        id = r.id; scheduledFor = r.scheduledFor; trigger = r.trigger; status = r.status; attempts = r.attempts
        startedAt = r.startedAt; finishedAt = r.finishedAt; durationSeconds = r.durationSeconds; rowCount = r.rowCount; truncated = r.truncated; error = r.error
        parameters = r.parameters
        skipReason = r.skipReason
        superseded = r.superseded
        deliveries = r.deliveries.map {
            Delivery(id: $0.id, destinationId: $0.destinationID, destinationName: $0.destinationName, channel: $0.channel,
                     recipient: $0.recipient, status: $0.status, attempts: $0.attempts, lastError: $0.lastError, deliveredAt: $0.deliveredAt)
        }
        artifacts = r.artifacts.map { Artifact(id: $0.id, format: $0.format, fileName: $0.fileName, byteCount: $0.byteCount) }
    }
}

/// `POST /api/v1/schedules/preview`'s answer.
struct SchedulePreviewJSON: Encodable {
    struct Run: Encodable { let at: Date; let utc: String; let scheduleLocal: String; let userLocal: String; let dstNote: String? }
    struct FieldError: Encodable { let field: String; let message: String }
    struct Conflict: Encodable { let scheduleId: UUID; let scheduleName: String; let run: Date; let otherRun: Date; let message: String }

    let runs: [Run]
    let errors: [FieldError]
    let warnings: [String]
    let conflicts: [Conflict]
    let description: String?
    let cron: String?

    init(_ p: SchedulePreviewResult) {
        runs = p.runs.map { Run(at: $0.at, utc: $0.utc, scheduleLocal: $0.scheduleLocal, userLocal: $0.userLocal, dstNote: $0.dstNote) }
        errors = p.errors.map { FieldError(field: $0.field, message: $0.message) }
        warnings = p.warnings
        conflicts = p.conflicts.map { Conflict(scheduleId: $0.scheduleID, scheduleName: $0.scheduleName, run: $0.run, otherRun: $0.otherRun, message: $0.message) }
        description = p.description
        cron = p.cron
    }
}

/// Decoding a schedule body. `ScheduleDraft` and `Recurrence` name their keys in snake_case themselves, so the
/// pipeline's convert-from-snake-case decoder would not find them: they are decoded here with a plain decoder.
enum ScheduleBody {
    static func draft(_ request: HTTPRequest) throws -> ScheduleDraft {
        try decode(ScheduleDraft.self, from: object(request))
    }

    /// A body (or patch) naming `template_id` gets the template's destinations, formats, naming and message text
    /// copied into the draft, except the fields the body gives itself. A template the caller may not use is a 422
    /// on `template_id`, as the service would say.
    static func applyingTemplate(_ draft: ScheduleDraft, body: [String: Any], context: RequestContext) throws -> ScheduleDraft {
        guard body["template_id"] != nil, let id = draft.templateID else { return draft }
        var draft = draft
        do {
            try DistributionTemplateService(connection: try context.store()).apply(id, to: &draft, actor: context.actor, keeping: Set(body.keys))
        } catch is NotFound {
            throw ValidationErrors([ValidationError(field: "template_id", message: "is not a template you may use")])
        } catch is Forbidden {
            throw ValidationErrors([ValidationError(field: "template_id", message: "is not a template you may use")])
        }
        return draft
    }

    /// The top-level JSON object of the body.
    static func object(_ request: HTTPRequest) throws -> [String: Any] {
        guard request.contentType == "application/json" || request.contentType?.hasSuffix("+json") == true else {
            throw HTTPError(.unsupportedMediaType, "expected a JSON body (Content-Type: application/json)")
        }
        guard let value = try? JSONSerialization.jsonObject(with: Data(request.body.isEmpty ? Array("{}".utf8) : request.body)),
              let object = value as? [String: Any] else {
            throw HTTPError(.badRequest, "the JSON body is invalid: expected an object")
        }
        return object
    }

    /// A PATCH: the stored draft with the body's top-level fields replacing its own (`recurrence` as a whole).
    static func merged(_ current: ScheduleDraft, with patch: [String: Any]) throws -> ScheduleDraft {
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(current)) as? [String: Any] ?? [:]
        return try decode(ScheduleDraft.self, from: encoded.merging(patch) { _, new in new })
    }

    static func decode<T: Decodable>(_ type: T.Type, from object: [String: Any]) throws -> T {
        try JSONBody.decode(T.self, from: JSONSerialization.data(withJSONObject: object), convertingFromSnakeCase: false)
    }
}

extension RequestContext {
    /// The schedule service with this server's limits.
    func schedules() throws -> ScheduleService {
        ScheduleService(connection: try store(), limits: ScheduleLimits(minimumInterval: settings.minimumInterval,
                                                                         maxSchedulesPerUser: settings.maxSchedulesPerUser,
                                                                         maxBackfill: settings.maxBackfill))
    }
}
