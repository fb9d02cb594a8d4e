import Foundation
import HeraldCore
import HeraldStore

/// `/schedules`, `/schedules/:id` and their small POST forms (pause, resume, run now, test, re-send, share, delete).
/// Every action goes through `ScheduleService` or `ExecutionService`, then redirects (POST → 303 → GET).
enum SchedulePageRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/schedules", .signedIn(.viewer)) { context in
            try listPage(context, templates: templates)
        }
        router.get("/schedules/:id", .signedIn(.viewer)) { context in
            try showPage(context, templates: templates, id: try context.id("id", "schedule"))
        }
        router.post("/schedules/:id/pause", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            _ = try context.schedules().pause(id, note: form["note"]?.first ?? "", actor: context.actor)
            return .redirect(to: back(form, id) + "done=paused")
        }
        router.post("/schedules/:id/resume", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            _ = try context.schedules().resume(id, actor: context.actor)
            return .redirect(to: back(form, id) + "done=resumed")
        }
        router.post("/schedules/:id/run", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            _ = try ExecutionService(connection: try context.store()).runNow(scheduleID: id, actor: context.actor)
            return .redirect(to: back(form, id) + "done=queued")
        }
        router.post("/schedules/:id/test", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            guard let destination = form["destination_id"]?.first.flatMap(UUID.init(uuidString:)) else {
                throw ValidationError(field: "destination_id", message: "choose a destination")
            }
            _ = try ExecutionService(connection: try context.store()).testRun(scheduleID: id, destinationID: destination, actor: context.actor)
            return .redirect(to: "/schedules/\(id.uuidString.lowercased())?done=queued")
        }
        router.post("/schedules/:id/resend", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            let service = try context.schedules()
            let run = try form["execution_id"]?.first.flatMap(UUID.init(uuidString:)) ?? service.latestFailedRun(id, actor: context.actor)
            guard let run else { throw ValidationError(field: "execution_id", message: "no run of this schedule failed") }
            try ExecutionService(connection: try context.store()).resendFailed(executionID: run, actor: context.actor)
            return .redirect(to: "/schedules/\(id.uuidString.lowercased())?done=resent")
        }
        router.post("/schedules/:id/backfill", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            let sent = BackfillFormView(from: form["from"]?.first ?? "", to: form["to"]?.first ?? "", rerun: form["rerun"]?.first != nil)
            let result: BackfillResult
            do {
                result = try context.schedules().backfill(id, from: sent.from, to: sent.to, rerun: sent.rerun, actor: context.actor)
            } catch {
                guard let errors = FormErrors.from(error, labels: ["from": "From", "to": "To"],
                                                   links: ["from": "#backfill-from", "to": "#backfill-to"]) else { throw error }
                return try showPage(context, templates: templates, id: id, errors: errors, backfill: sent)
            }
            return .redirect(to: "/schedules/\(id.uuidString.lowercased())?done=backfilled&created=\(result.created)&skipped=\(result.skipped)#history")
        }
        router.post("/schedules/:id/shares", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let form = try context.request.form()
            do {
                try context.schedules().share(id, emails: (form["email"]?.first ?? "").split(separator: ",").map(String.init), actor: context.actor)
            } catch {
                guard let errors = FormErrors.from(error, labels: ["email": "E-mail"], links: ["email": "#share-email"]) else { throw error }
                return try showPage(context, templates: templates, id: id, errors: errors)
            }
            return .redirect(to: "/schedules/\(id.uuidString.lowercased())?done=shared")
        }
        router.post("/schedules/:id/shares/:user/delete", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            try context.schedules().unshare(id, userID: try context.id("user", "user"), actor: context.actor)
            return .redirect(to: "/schedules/\(id.uuidString.lowercased())?done=unshared")
        }
        router.get("/schedules/:id/delete", .signedIn(.viewer)) { context in
            let id = try context.id("id", "schedule")
            let service = try context.schedules()
            let schedule = try service.get(id, actor: context.actor)
            guard service.mayChange(schedule, actor: context.actor) else { throw Forbidden("Only the schedule's owner or an admin may delete it.") }
            let view = ScheduleConfirmView(chrome: PageChrome(title: "Delete \(schedule.name)?", context: context, section: "schedules"),
                                          id: id.uuidString.lowercased(), name: schedule.name, description: schedule.description)
            return .html(try templates.render(view, template: "pages/schedules/delete"))
        }
        router.post("/schedules/:id/delete", .signedIn(.viewer)) { context in
            try context.schedules().delete(try context.id("id", "schedule"), actor: context.actor)
            return .redirect(to: "/schedules?done=deleted")
        }
    }

    /// Where a quick action returns: the list when it came from there, else the schedule's page; ends ready for a query.
    static func back(_ form: [String: [String]], _ id: UUID) -> String {
        form["return"]?.first == "list" ? "/schedules?" : "/schedules/\(id.uuidString.lowercased())?"
    }

    static func listPage(_ context: RequestContext, templates: Templates) throws -> HTTPResponse {
        let list = try ListRequest(context.request)
        let filter = ScheduleFilter(rawValue: context.request.queryValue("status") ?? "all") ?? .all
        let search = String((context.request.queryValue("q") ?? "").prefix(200))
        let service = try context.schedules()
        let page = try service.list(filter: filter, search: search, limit: list.limit, after: list.after, countingFailing: true,
                                    actor: context.actor)
        let zone = context.principal!.timeZone
        func href(_ status: ScheduleFilter, cursor: String? = nil) -> String {
            var items = [URLQueryItem(name: "status", value: status.rawValue)]
            if !search.isEmpty { items.append(URLQueryItem(name: "q", value: search)) }
            if let cursor { items.append(URLQueryItem(name: "cursor", value: cursor)) }
            var components = URLComponents()
            components.path = "/schedules"
            components.queryItems = items
            return components.string ?? "/schedules"
        }
        let labels: [(ScheduleFilter, String)] = [(.all, "All"), (.active, "Active"), (.paused, "Paused"), (.failing, "Failing")]
        let view = ScheduleListView(
            chrome: PageChrome(title: "Schedules", context: context, section: "schedules").slottingRequestID(),
            tabs: labels.map { .init(label: $0.1, href: href($0.0), count: $0.0 == .failing ? page.failing : nil, current: $0.0 == filter) },
            search: search, filter: filter.rawValue,
            rows: Templates.slot,
            nextHref: page.next.map { href(filter, cursor: ListRequest.cursor($0)) },
            canCreate: context.principal!.has(.creator),
            noneYet: page.items.isEmpty && filter == .all && search.isEmpty && list.after == nil,
            noMatches: page.items.isEmpty && !(filter == .all && search.isEmpty && list.after == nil))
        let rows = try page.items.map { s in
            let mayChange = service.mayChange(s, actor: context.actor)
            return try templates.renderFragment(madeFrom: "\(s.id) \(s.version) \(zone) \(mayChange)", template: "pages/schedules/row") {
                ScheduleRowView(s, viewerZone: zone, mayChange: mayChange)
            }
        }
        return .html(bytes: try templates.renderFrame(view, template: "pages/schedules/list", filling: [rows, [context.request.requestID]]))
    }

    static func showPage(_ context: RequestContext, templates: Templates, id: UUID, errors: FormErrors = FormErrors(),
                         backfill: BackfillFormView = BackfillFormView()) throws -> HTTPResponse {
        let service = try context.schedules()
        let actor = context.actor
        let s = try service.get(id, actor: actor)
        let zone = context.principal!.timeZone
        let mayChange = service.mayChange(s, actor: actor)
        let list = try ListRequest(context.request)
        let history = try service.history(id, limit: min(list.limit, 20), after: list.after, actor: actor)
        let destinations = try service.destinationChoices(actor: actor)
        let names = Dictionary(destinations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let owner = try s.ownerID.flatMap { try UserRepository(connection: try context.store()).principal(userID: $0)?.email }
        let preview = service.preview(s.draft, actor: actor, scheduleID: id)
        let summary: [ScheduleShowView.Row] = [
            .init(key: "Report", value: s.reportName),
            .init(key: "Runs", value: s.description),
            .init(key: "Cron expression", value: s.cron ?? "none (runs once)"),
            .init(key: "Time zone", value: s.recurrence.timeZone),
            .init(key: "Destinations", value: s.destinationIDs.map { names[$0] ?? $0.uuidString.lowercased() }.joined(separator: ", ")),
            .init(key: "Formats", value: s.formats.joined(separator: ", ").uppercased()),
            .init(key: "File name", value: s.filenamePattern),
            .init(key: "If the file exists", value: s.naming == "timestamp" ? "add a timestamp" : "overwrite it"),
            .init(key: "Deliver", value: s.deliveryCondition.summary),
            .init(key: "Email subject", value: s.emailSubject.isEmpty ? "each email destination's own" : s.emailSubject),
            .init(key: "Missed runs", value: ScheduleWording.misfire(s.misfirePolicy)),
            .init(key: "Overlapping runs", value: ScheduleWording.overlap(s.overlapPolicy)),
            .init(key: "Jitter", value: "up to \(s.jitterSeconds) seconds"),
            .init(key: "Priority", value: String(s.priority)),
            .init(key: "Runs kept", value: ScheduleWording.kept(s.retentionDays)),
            .init(key: "Pauses itself", value: ScheduleWording.pausesItself(s.pauseAfterFailures)),
            .init(key: "Deadline", value: ScheduleWording.deadline(s.deadlineMinutes)),
            .init(key: "Alerts", value: ScheduleWording.alerts(s.alertRule(every: context.settings.alertEvery), fromOwner: s.alerts.isEmpty)),
            .init(key: "Owner", value: owner ?? "nobody"),
        ]
        let view = ScheduleShowView(
            chrome: PageChrome(title: errors.title(s.name), context: context, section: "schedules"),
            id: id.uuidString.lowercased(), scheduleID: id.uuidString.lowercased(), name: s.name,
            state: StatusTag(s.brokenReason != nil ? "broken" : s.paused ? "paused" : "active"), paused: s.paused,
            pauseNote: s.pauseNote.isEmpty ? nil : s.pauseNote, brokenReason: s.brokenReason, summary: summary,
            upcoming: s.paused ? [] : preview.runs.map {
                UpcomingRunView(iso: $0.utc, scheduleLocal: $0.scheduleLocal, userLocal: $0.userLocal, utc: $0.utc, note: $0.dstNote)
            },
            sparkline: SparklineView(try service.recentOutcomes(id, actor: actor)),
            runs: history.runs.map { ScheduleRunView($0, zone: zone, mayChange: mayChange) }, hasRuns: !history.runs.isEmpty,
            nextHistoryHref: history.next.map { "/schedules/\(id.uuidString.lowercased())?cursor=\(ListRequest.cursor($0))#history" },
            mayChange: mayChange,
            shares: try service.shares(id, actor: actor).map { .init(userID: $0.userID.uuidString.lowercased(), label: $0.displayName.isEmpty ? $0.email : "\($0.displayName) (\($0.email))") },
            destinations: destinations.map { .init(id: $0.id.uuidString.lowercased(), name: $0.name) },
            latestFailedRun: mayChange ? try service.latestFailedRun(id, actor: actor).map { $0.uuidString.lowercased() } : nil,
            errors: errors, backfill: backfill)
        return .html(try templates.render(view, template: "pages/schedules/show"), status: errors.any ? .unprocessableContent : .ok)
    }
}

/// The policies in words.
enum ScheduleWording {
    static func misfire(_ policy: String) -> String {
        switch policy {
        case "skip": "skip them"
        case "run_all": "run each one, oldest first"
        default: "run once for the newest"
        }
    }

    /// The effective alert rule, and whose it is: "Email and in-app on the first failure, then every 5th; on
    /// recovery (the owner's default)".
    static func alerts(_ rule: AlertRule, fromOwner: Bool) -> String {
        rule.sentence + (fromOwner ? " (the owner's default)" : " (set for this schedule)")
    }

    static func kept(_ days: Int?) -> String {
        days.map { "\($0) days after they finish, unless pinned" } ?? "the server's retention period (HERALD_RETENTION_DAYS), unless pinned"
    }

    static func pausesItself(_ failures: Int?) -> String {
        failures.map { $0 == 1 ? "after a failed run" : "after \($0) failed runs in a row" } ?? "never"
    }

    static func deadline(_ minutes: Int?) -> String {
        minutes.map { "owner told if a run has not succeeded \($0) minutes after its slot" } ?? "none"
    }

    static func overlap(_ policy: String) -> String {
        switch policy {
        case "buffer_one": "start one more when the current run ends"
        case "allow": "run at the same time"
        default: "skip the new run"
        }
    }
}
