import Foundation
import HeraldCore
import Postgres

/// A draft that passed every check, with its values typed.
struct CheckedSchedule {
    let name: String
    let reportID: UUID
    let recurrence: Recurrence
    let cron: String?
    let compiled: Recurrence.Compiled
    let parameters: [String: ParameterInput]
    let destinationIDs: [UUID]
    let formats: [String]
    let exportOptions: ExportOptions
    let filenamePattern: String
    let naming: String
    let misfire: MisfirePolicy
    let overlap: OverlapPolicy
    let jitterSeconds: Int
    let priority: Int
    let paused: Bool
    let pauseNote: String
    let deliveryCondition: DeliveryCondition
    let emailSubject: String
    let emailBodyMd: String
    let templateID: UUID?
    let retentionDays: Int?
    let pauseAfterFailures: Int?
    let deadlineMinutes: Int?
    let alerts: AlertSettings

    func asDraft(sharedWith: [UUID]?) -> ScheduleDraft {
        ScheduleDraft(name: name, reportID: reportID, recurrence: recurrence, parameters: parameters, destinationIDs: destinationIDs,
                      formats: formats, exportOptions: exportOptions, filenamePattern: filenamePattern, naming: naming, misfirePolicy: misfire.rawValue,
                      overlapPolicy: overlap.rawValue, jitterSeconds: jitterSeconds, priority: priority, paused: paused,
                      pauseNote: pauseNote, sharedWith: sharedWith, deliveryCondition: deliveryCondition,
                      emailSubject: emailSubject, emailBodyMd: emailBodyMd, templateID: templateID, retentionDays: retentionDays,
                      pauseAfterFailures: pauseAfterFailures, deadlineMinutes: deadlineMinutes, alerts: alerts)
    }
}

extension ScheduleService {
    /// The formats a schedule may deliver, each rendered from the same run of the query.
    public static let formats = ["csv", "xlsx", "pdf", "html", "json"]

    /// Every check of a draft at once; throws `ValidationErrors` listing each bad field.
    func validate(_ draft: ScheduleDraft, actor: Actor, now: Date, scheduleID: UUID? = nil) throws -> CheckedSchedule {
        var errors: [ValidationError] = []
        let checked = check(draft, actor: actor, now: now, errors: &errors)
        guard errors.isEmpty, let checked else { throw ValidationErrors(errors) }
        return checked
    }

    /// The checks themselves: appends what is wrong and returns the typed schedule when nothing is.
    func check(_ draft: ScheduleDraft, actor: Actor, now: Date, errors: inout [ValidationError]) -> CheckedSchedule? {
        var reportName: String?
        var declared: [ReportParameter] = []
        if let reportID = draft.reportID {
            let report = try? connection.query("""
                SELECT name, parameters::text AS parameters FROM reports r WHERE r.id = \(reportID) AND \(fragment: Visibility.owned("r", actor))
                """).first
            reportName = try? report?.decode("name", as: String.self)
            declared = (try? report?.decodeJSON("parameters", as: [ReportParameter].self)) ?? []
            if reportName == nil { errors.append(ValidationError(field: "report_id", message: "is not a report you may use")) }
        } else {
            errors.append(ValidationError(field: "report_id", message: "choose a report"))
        }
        var name = draft.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty, let reportName { name = reportName }
        if name.count > 200 { errors.append(ValidationError(field: "name", message: "must be at most 200 characters")) }

        var compiled: Recurrence.Compiled?
        var cron: String?
        if let recurrence = draft.recurrence {
            do {
                _ = try ZoneRules.named(recurrence.timeZone)
                if recurrence.kind != .once { cron = try recurrence.canonicalCron() }
                let result = try recurrence.compile()
                let instant = Int64(now.timeIntervalSince1970)
                switch result {
                case .cron(let schedule):
                    try schedule.checkFires(after: instant)
                    try schedule.checkMinimumInterval(limits.minimumInterval, after: instant)
                case .once(let at):
                    if at <= instant { throw ValidationError(field: "at", message: "is in the past") }
                }
                if let maxRuns = recurrence.maxRuns, maxRuns < 1 { throw ValidationError(field: "max_runs", message: "must be at least 1") }
                guard try recurrence.nextRun(after: instant, runsSoFar: 0, compiled: result) != nil else {
                    throw ValidationError(field: "ends_at", message: "leaves no run: the schedule would never fire")
                }
                compiled = result
            } catch let error as ValidationError {
                errors.append(error)
            } catch let error as CronError {
                errors.append(ValidationError(field: "cron", message: error.description))
            } catch {
                errors.append(ValidationError(field: "recurrence", message: "is not valid"))
            }
        } else {
            errors.append(ValidationError(field: "recurrence", message: "choose how often it runs"))
        }

        let destinations = Array(NSOrderedSet(array: draft.destinationIDs)) as? [UUID] ?? draft.destinationIDs
        if destinations.isEmpty {
            errors.append(ValidationError(field: "destination_ids", message: "choose at least one destination"))
        } else {
            let usable = (try? connection.query("""
                SELECT count(*)::int AS n FROM destinations d
                WHERE d.id = ANY(\(destinations)::uuid[]) AND (d.owner_id IS NULL OR \(fragment: Visibility.owned("d", actor)))
                """)[0].decode("n", as: Int.self)) ?? 0
            if usable != destinations.count {
                errors.append(ValidationError(field: "destination_ids", message: "names a destination you may not use"))
            }
        }
        let formats = Array(NSOrderedSet(array: draft.formats)) as? [String] ?? draft.formats
        if let error = DistributionRules.checkFormats(formats) { errors.append(error) }
        errors += draft.exportOptions.validate()
        let pattern = draft.filenamePattern.trimmingCharacters(in: .whitespaces)
        if let error = DistributionRules.checkFilenamePattern(pattern) { errors.append(error) }
        if let error = DistributionRules.checkNaming(draft.naming) { errors.append(error) }
        let emailSubject = draft.emailSubject.trimmingCharacters(in: .whitespaces)
        errors += DistributionRules.checkMessage(subject: emailSubject, body: draft.emailBodyMd)
        // Only a note of where the distribution came from: a template deleted since (a wizard draft still naming it)
        // is forgotten, one the actor may not use is refused.
        var templateID = draft.templateID
        if let id = templateID {
            let row = try? connection.query("""
                SELECT \(fragment: DestinationService.usable("t", actor)) AS usable FROM distribution_templates t WHERE t.id = \(id)
                """).first
            if row == nil {
                templateID = nil
            } else if (try? row?.decode("usable", as: Bool.self)) != true {
                errors.append(ValidationError(field: "template_id", message: "is not a template you may use"))
            }
        }
        let misfire = MisfirePolicy(rawValue: draft.misfirePolicy)
        if misfire == nil { errors.append(ValidationError(field: "misfire_policy", message: "must be skip, run_once or run_all")) }
        let overlap = OverlapPolicy(rawValue: draft.overlapPolicy)
        if overlap == nil { errors.append(ValidationError(field: "overlap_policy", message: "must be skip, buffer_one or allow")) }
        if !(0...3600).contains(draft.jitterSeconds) {
            errors.append(ValidationError(field: "jitter_seconds", message: "must be from 0 to 3600"))
        }
        if !(0...9).contains(draft.priority) { errors.append(ValidationError(field: "priority", message: "must be from 0 to 9")) }
        if let days = draft.retentionDays, !(1...3650).contains(days) {
            errors.append(ValidationError(field: "retention_days", message: "must be from 1 to 3650 days, or empty (null) for the default"))
        }
        if let count = draft.pauseAfterFailures, !(1...100).contains(count) {
            errors.append(ValidationError(field: "pause_after_failures", message: "must be from 1 to 100 runs, or empty (null) for never"))
        }
        if let minutes = draft.deadlineMinutes, !(1...10080).contains(minutes) {
            errors.append(ValidationError(field: "deadline_minutes", message: "must be from 1 to 10080 minutes after the slot, or empty (null) for none"))
        }
        errors += draft.alerts.validate()
        let note = draft.pauseNote.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 500 { errors.append(ValidationError(field: "pause_note", message: "must be at most 500 characters")) }
        // Checked as a run would resolve them (relative dates at today's date in the schedule's zone), so a run
        // never meets a value that does not fit; the values are kept as given (relative dates stay relative).
        if reportName != nil {
            let zone = draft.recurrence.flatMap { try? ZoneRules.named($0.timeZone) } ?? .utc
            do throws(ValidationErrors) {
                _ = try ReportParameter.resolve(declared, values: draft.parameters,
                                                at: LogicalTime(instant: Int64(now.timeIntervalSince1970), zone: zone))
            } catch {
                errors += error.errors
            }
        }
        errors += draft.deliveryCondition.validate()

        guard errors.isEmpty, let reportID = draft.reportID, let recurrence = draft.recurrence, let compiled, let misfire, let overlap else {
            return nil
        }
        return CheckedSchedule(name: name, reportID: reportID, recurrence: recurrence, cron: cron, compiled: compiled,
                               parameters: draft.parameters, destinationIDs: destinations, formats: formats,
                               exportOptions: draft.exportOptions, filenamePattern: pattern,
                               naming: draft.naming, misfire: misfire, overlap: overlap, jitterSeconds: draft.jitterSeconds,
                               priority: draft.priority, paused: draft.paused, pauseNote: draft.paused ? note : "",
                               deliveryCondition: draft.deliveryCondition.normalized,
                               emailSubject: emailSubject, emailBodyMd: draft.emailBodyMd, templateID: templateID,
                               retentionDays: draft.retentionDays, pauseAfterFailures: draft.pauseAfterFailures,
                               deadlineMinutes: draft.deadlineMinutes, alerts: draft.alerts)
    }
}
