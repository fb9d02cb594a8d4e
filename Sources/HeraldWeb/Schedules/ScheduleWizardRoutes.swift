import Foundation
import HeraldCore
import HeraldStore

/// The five-step wizard over a server-side draft: `/schedules/new` (step 1, no draft yet; its POST makes one),
/// `/schedules/new/{draft}/{step}`, and `/schedules/:id/edit`, which makes a draft from the schedule. Every POST
/// saves what was typed (so back, forward and reload keep it), then shows the step's errors beside its fields or
/// moves on; only the review step's POST makes (or changes) a schedule.
enum ScheduleWizardRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/schedules/new", .signedIn(.creator)) { context in
            try render(context, templates: templates, step: .report, draftID: nil, stored: ScheduleDraft(), editing: nil)
        }
        router.post("/schedules/new", .signedIn(.creator)) { context in
            var draft = ScheduleDraft()
            WizardForm.apply(try context.request.form(), step: .report, to: &draft, defaultZone: context.principal!.timeZone)
            let id = try ScheduleDraftRepository(connection: try context.store()).create(draft, actor: context.actor)
            return try advance(context, templates: templates, step: .report, stored: .init(id: id, scheduleID: nil, draft: draft))
        }
        router.get("/schedules/new/:draft/:step", .signedIn(.creator)) { context in
            let (step, stored) = try load(context)
            return try render(context, templates: templates, step: step, draftID: stored.id, stored: stored.draft, editing: stored.scheduleID)
        }
        router.post("/schedules/new/:draft/:step", .signedIn(.creator)) { context in
            var (step, stored) = try load(context)
            let form = try context.request.form()
            if step == .distribution, form["action"]?.first == "template" {
                return try useTemplate(context, templates: templates, form: form, stored: stored)
            }
            WizardForm.apply(form, step: step, to: &stored.draft, defaultZone: context.principal!.timeZone)
            if step == .review { stored.draft.paused = form["action"]?.first == "paused" }
            try ScheduleDraftRepository(connection: try context.store()).save(stored, actor: context.actor)
            if step == .review { return try finish(context, templates: templates, stored: stored) }
            if form["action"]?.first == "preview" {
                return try render(context, templates: templates, step: step, draftID: stored.id, stored: stored.draft,
                                  editing: stored.scheduleID, errors: stepErrors(context, stored, step))
            }
            return try advance(context, templates: templates, step: step, stored: stored)
        }
        router.get("/schedules/:id/edit", .signedIn(.creator)) { context in
            let id = try context.id("id", "schedule")
            let service = try context.schedules()
            let schedule = try service.get(id, actor: context.actor)
            guard service.mayChange(schedule, actor: context.actor) else { throw Forbidden("Only the schedule's owner or an admin may edit it.") }
            let view = ScheduleConfirmView(chrome: PageChrome(title: "Edit \(schedule.name)", context: context, section: "schedules"),
                                          id: id.uuidString.lowercased(), name: schedule.name, description: schedule.description)
            return .html(try templates.render(view, template: "pages/schedules/edit"))
        }
        router.post("/schedules/:id/edit", .signedIn(.creator)) { context in
            let id = try context.id("id", "schedule")
            let service = try context.schedules()
            let schedule = try service.get(id, actor: context.actor)
            guard service.mayChange(schedule, actor: context.actor) else { throw Forbidden("Only the schedule's owner or an admin may edit it.") }
            let draftID = try ScheduleDraftRepository(connection: try context.store()).create(schedule.draft, editing: id, actor: context.actor)
            return .redirect(to: "/schedules/new/\(draftID.uuidString.lowercased())/report")
        }
    }

    static func load(_ context: RequestContext) throws -> (WizardStep, ScheduleDraftRepository.Stored) {
        guard let step = context.request.parameters["step"].flatMap(WizardStep.init(rawValue:)) else { throw NotFound("step") }
        let stored = try ScheduleDraftRepository(connection: try context.store()).load(try context.id("draft", "draft"), actor: context.actor)
        return (step, stored)
    }

    /// The errors of the fields this step asks for (the review step: all of them).
    static func stepErrors(_ context: RequestContext, _ stored: ScheduleDraftRepository.Stored, _ step: WizardStep) throws -> [ValidationError] {
        let preview = try context.schedules().preview(stored.draft, actor: context.actor, scheduleID: stored.scheduleID, count: 0)
        return step == .review ? preview.errors : preview.errors.filter { WizardStep.owning($0.field) == step }
    }

    static func advance(_ context: RequestContext, templates: Templates, step: WizardStep, stored: ScheduleDraftRepository.Stored) throws -> HTTPResponse {
        let errors = try stepErrors(context, stored, step)
        guard errors.isEmpty, let next = step.next else {
            return try render(context, templates: templates, step: step, draftID: stored.id, stored: stored.draft,
                              editing: stored.scheduleID, errors: errors)
        }
        return .redirect(to: "/schedules/new/\(stored.id.uuidString.lowercased())/\(next.rawValue)")
    }

    /// Step 4's "Use a template": copies the template's destinations, formats, naming and message text into the
    /// draft (the rest of the step stays as saved) and shows the step again, the copied values editable.
    static func useTemplate(_ context: RequestContext, templates: Templates, form: [String: [String]],
                            stored: ScheduleDraftRepository.Stored) throws -> HTTPResponse {
        var stored = stored
        guard let id = form["template_id"]?.first.flatMap(UUID.init(uuidString:)) else {
            return try render(context, templates: templates, step: .distribution, draftID: stored.id, stored: stored.draft,
                              editing: stored.scheduleID, errors: [ValidationError(field: "template_id", message: "choose a template")])
        }
        try DistributionTemplateService(connection: try context.store()).apply(id, to: &stored.draft, actor: context.actor)
        try ScheduleDraftRepository(connection: try context.store()).save(stored, actor: context.actor)
        return .redirect(to: "/schedules/new/\(stored.id.uuidString.lowercased())/\(WizardStep.distribution.rawValue)")
    }

    static func finish(_ context: RequestContext, templates: Templates, stored: ScheduleDraftRepository.Stored) throws -> HTTPResponse {
        let service = try context.schedules()
        do {
            let schedule = try stored.scheduleID.map { try service.update($0, stored.draft, actor: context.actor) }
                ?? service.create(stored.draft, actor: context.actor)
            try ScheduleDraftRepository(connection: try context.store()).delete(stored.id, actor: context.actor)
            return .redirect(to: "/schedules/\(schedule.id.uuidString.lowercased())?done=\(schedule.paused ? "saved-paused" : "activated")")
        } catch {
            guard let errors = (error as? ValidationErrors)?.errors ?? (error as? ValidationError).map({ [$0] }) else { throw error }
            return try render(context, templates: templates, step: .review, draftID: stored.id, stored: stored.draft,
                              editing: stored.scheduleID, errors: errors)
        }
    }

    static func render(_ context: RequestContext, templates: Templates, step: WizardStep, draftID: UUID?, stored draft: ScheduleDraft,
                       editing scheduleID: UUID?, errors: [ValidationError] = []) throws -> HTTPResponse {
        let editing = scheduleID != nil
        let service = try context.schedules()
        let actor = context.actor
        let zone = context.principal!.timeZone
        let base = draftID.map { "/schedules/new/\($0.uuidString.lowercased())" }
        var anchors = WizardStep.anchors
        var report: ReportStepView?, frequency: FrequencyStepView?, parameters: ParametersStepView?
        var distribution: DistributionStepView?, review: ReviewStepView?
        let declared: [ReportParameter] = draft.reportID.flatMap { try? service.reportParameters($0, actor: actor) } ?? []
        for p in declared { anchors["parameters.\(p.name)"] = "param-\(p.name)" }
        let fieldErrors = FormErrors(errors)
        switch step {
        case .report:
            let reports = try service.reportChoices(actor: actor)
            if let first = reports.first { anchors["report_id"] = "report-\(first.id.uuidString.lowercased())" }
            report = ReportStepView(reports: reports.map { Choice(value: $0.id.uuidString.lowercased(), label: $0.name, checked: $0.id == draft.reportID) },
                                    name: draft.name, hasReports: !reports.isEmpty)
        case .frequency:
            frequency = FrequencyStepView(draft, userZone: zone, preview: draft.recurrence == nil ? nil : service.preview(draft, actor: actor))
        case .parameters:
            parameters = ParametersStepView(declared, values: draft.parameters, errors: fieldErrors)
        case .distribution:
            let destinations = try service.destinationChoices(actor: actor)
            if let first = destinations.first { anchors["destination_ids"] = "destination-\(first.id.uuidString.lowercased())" }
            let templateChoices = try DistributionTemplateService(connection: try context.store()).choices(actor: actor)
            distribution = DistributionStepView(
                destinations: destinations.map { Choice(value: $0.id.uuidString.lowercased(), label: "\($0.name) (\($0.kind))", checked: draft.destinationIDs.contains($0.id)) },
                hasDestinations: !destinations.isEmpty,
                formats: ScheduleService.formats.map { Choice(value: $0, label: $0.uppercased(), checked: draft.formats.contains($0)) },
                csvDelimiters: [("comma", "Comma (,)"), ("semicolon", "Semicolon (;) — for Excel in many European locales"), ("tab", "Tab")].map {
                    Choice(value: $0.0, label: $0.1, checked: draft.exportOptions.csvDelimiter == $0.0)
                },
                csvByteOrderMark: draft.exportOptions.csvByteOrderMark,
                pdfOrientations: [("auto", "Automatic (landscape for more than six columns)"), ("portrait", "Portrait"), ("landscape", "Landscape")].map {
                    Choice(value: $0.0, label: $0.1, checked: draft.exportOptions.pdfOrientation == $0.0)
                },
                zip: draft.exportOptions.zip,
                filenamePattern: draft.filenamePattern,
                naming: [Choice(value: "overwrite", label: "Overwrite it", checked: draft.naming != "timestamp"),
                         Choice(value: "timestamp", label: "Keep it and add a timestamp to the new file's name", checked: draft.naming == "timestamp")],
                deliver: DeliverFieldsView(draft.deliveryCondition, errors: errors),
                templates: templateChoices.map { Choice(value: $0.id.uuidString.lowercased(), label: $0.name, checked: $0.id == draft.templateID) },
                hasTemplates: !templateChoices.isEmpty,
                fromTemplate: templateChoices.first { $0.id == draft.templateID }?.name,
                hasEmailDestinations: destinations.contains { $0.kind == "email" },
                emailDestinationIDs: destinations.filter { $0.kind == "email" }.map { $0.id.uuidString.lowercased() }.joined(separator: " "),
                emailSubject: draft.emailSubject, emailBodyMd: draft.emailBodyMd,
                alerts: WizardAlertsView(draft, owner: try ownerRule(context, scheduleID: scheduleID), errors: fieldErrors))
        case .review:
            let reports = try service.reportChoices(actor: actor)
            let destinations = try service.destinationChoices(actor: actor)
            if let first = reports.first { anchors["report_id"] = "report-\(first.id.uuidString.lowercased())" }
            if let first = destinations.first { anchors["destination_ids"] = "destination-\(first.id.uuidString.lowercased())" }
            let preview = service.preview(draft, actor: actor, count: 0)
            func row(_ key: String, _ value: String, _ step: WizardStep) -> ReviewStepView.Row {
                .init(key: key, value: value, changeHref: "\(base ?? "/schedules/new")/\(step.rawValue)", changeLabel: key.lowercased())
            }
            let reportName = reports.first { $0.id == draft.reportID }?.name ?? "not chosen"
            review = ReviewStepView(rows: [
                row("Report", reportName, .report),
                row("Name", draft.name.isEmpty ? reportName : draft.name, .report),
                row("Runs", preview.description ?? "not chosen", .frequency),
                row("Start, end and most runs", [draft.recurrence?.startsAt.map { "from \($0)" }, draft.recurrence?.endsAt.map { "until \($0)" },
                                                  draft.recurrence?.maxRuns.map { "at most \($0) runs" }].compactMap { $0 }.joined(separator: ", ").nonEmpty ?? "no limits", .frequency),
                row("Missed runs", ScheduleWording.misfire(draft.misfirePolicy), .frequency),
                row("Overlapping runs", ScheduleWording.overlap(draft.overlapPolicy), .frequency),
                row("Jitter", "up to \(draft.jitterSeconds) seconds", .frequency),
                row("Parameters", declared.map { p in "\(p.label): \(draft.parameters[p.name]?.displayText ?? p.default.map { "\($0.displayText) (default)" } ?? "none")" }
                    .joined(separator: "; ").nonEmpty ?? "none", .parameters),
                row("Destinations", destinations.filter { draft.destinationIDs.contains($0.id) }.map(\.name).joined(separator: ", ").nonEmpty ?? "none chosen", .distribution),
                row("Formats", draft.formats.joined(separator: ", ").uppercased() + (draft.exportOptions.zip ? ", in one zip archive" : ""), .distribution),
                row("File name", draft.filenamePattern, .distribution),
                row("If the file exists", draft.naming == "timestamp" ? "add a timestamp" : "overwrite it", .distribution),
                row("Deliver", draft.deliveryCondition.summary, .distribution),
                row("Email subject", draft.emailSubject.nonEmpty ?? "each email destination's own", .distribution),
                row("Email message", draft.emailBodyMd.nonEmpty ?? "each email destination's own", .distribution),
                row("Alerts", ScheduleWording.alerts(draft.alerts.applied(to: try ownerRule(context, scheduleID: scheduleID)),
                                                     fromOwner: draft.alerts.isEmpty), .distribution),
                row("Pauses itself", ScheduleWording.pausesItself(draft.pauseAfterFailures), .distribution),
                row("Deadline", ScheduleWording.deadline(draft.deadlineMinutes), .distribution),
                row("Runs kept", ScheduleWording.kept(draft.retentionDays), .distribution),
            ] + (fromTemplate(context, draft).map { [row("Template", "copied from \($0)", .distribution)] } ?? []), pauseNote: draft.pauseNote)
        }
        // A field another step asks for links to that step's page (the review step lists every field's error).
        var links: [String: String] = [:]
        for field in Set(errors.map(\.field)) {
            let owner = WizardStep.owning(field)
            let anchor = "#" + (anchors[field] ?? field)
            links[field] = owner == step || base == nil ? anchor : "\(base!)/\(owner.rawValue)\(anchor)"
        }
        let formErrors = FormErrors(errors, labels: WizardStep.labels, links: links)
        let view = WizardView(
            chrome: PageChrome(title: formErrors.title(step.title + (editing ? " (editing)" : "")), context: context, section: "schedules"), stepNumber: step.number, stepTitle: step.title,
            action: base.map { "\($0)/\(step.rawValue)" } ?? "/schedules/new",
            backHref: step.previous.flatMap { previous in base.map { "\($0)/\(previous.rawValue)" } } ?? "/schedules",
            editing: editing, errors: formErrors,
            report: report, frequency: frequency, parameters: parameters, distribution: distribution, review: review)
        return .html(try templates.render(view, template: "pages/schedules/wizard-\(step.rawValue)"),
                     status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}

/// The alert rule of the schedule's owner (of the actor, for a new schedule): what "the owner's setting" means.
private func ownerRule(_ context: RequestContext, scheduleID: UUID?) throws -> AlertRule {
    let standard = AlertRule.standard(every: context.settings.alertEvery)
    if let scheduleID { return try context.schedules().get(scheduleID, actor: context.actor).ownerAlerts.applied(to: standard) }
    return try UserService(connection: try context.store()).ownAlertSettings(actor: context.actor).applied(to: standard)
}

/// The name of the template the draft was copied from, while the user may still use it.
private func fromTemplate(_ context: RequestContext, _ draft: ScheduleDraft) -> String? {
    guard let id = draft.templateID, let store = try? context.store() else { return nil }
    return try? DistributionTemplateService(connection: store).get(id, actor: context.actor).name
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
