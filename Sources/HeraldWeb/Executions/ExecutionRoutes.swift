import Foundation
import HeraldCore
import HeraldStore

/// `/executions` and `/executions/:id`: every run the user may see, and one run with its steps, deliveries and
/// artifacts; re-send, requeue, pin and unpin as POSTs from that page.
enum ExecutionRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/executions", .signedIn(.viewer)) { context in
            try listPage(context, templates: templates)
        }
        router.get("/executions/:id", .signedIn(.viewer)) { context in
            let id = try context.id("id", "execution")
            let connection = try context.store()
            let detail = try ExecutionHistoryService(connection: connection).get(id: id, actor: context.actor)
            let mayChange = try ExecutionService(connection: connection).mayChange(executionID: id, actor: context.actor)
            let name = detail.execution.scheduleName.isEmpty ? detail.execution.reportName : detail.execution.scheduleName
            let view = ExecutionPageView(chrome: PageChrome(title: "Run of \(name)", context: context, section: "executions"),
                                         detail: detail, zone: context.principal!.timeZone, mayChange: mayChange,
                                         isAdmin: context.actor.isAdmin)
            return .html(try templates.render(view, template: "pages/executions/show"))
        }
        router.post("/executions/:id/resend", .signedIn(.viewer)) { context in
            let id = try context.id("id", "execution")
            try ExecutionService(connection: try context.store()).resendFailed(executionID: id, actor: context.actor)
            return .redirect(to: "/executions/\(id.uuidString.lowercased())?done=resent")
        }
        router.post("/executions/:id/requeue", .signedIn(.viewer)) { context in
            let id = try context.id("id", "execution")
            try ExecutionService(connection: try context.store()).requeueDeadLetter(executionID: id, actor: context.actor)
            return .redirect(to: "/executions/\(id.uuidString.lowercased())?done=requeued")
        }
        for (action, pinned) in [("pin", true), ("unpin", false)] {
            router.post("/executions/:id/\(action)", .signedIn(.viewer)) { context in
                let id = try context.id("id", "execution")
                try ExecutionService(connection: try context.store()).setPinned(pinned, executionID: id, actor: context.actor)
                return .redirect(to: "/executions/\(id.uuidString.lowercased())?done=\(action)ned")
            }
        }
    }

    /// Each filter field's input; a bad cursor or limit is shown at the last one.
    static let links = ["status": "#filter-status", "schedule_id": "#filter-schedule", "from": "#filter-from", "to": "#filter-to",
                        "cursor": "#filter-to", "limit": "#filter-to"]
    static let labels = ["status": "Status", "schedule_id": "Schedule", "from": "From", "to": "To", "cursor": "The page link", "limit": "Limit"]

    static func listPage(_ context: RequestContext, templates: Templates) throws -> HTTPResponse {
        let zone = context.principal!.timeZone
        let service = ExecutionHistoryService(connection: try context.store())
        var errors = FormErrors()
        var filter = ExecutionHistoryService.Filter()
        var list = ListRequest()
        var page: (items: [ExecutionRecord], next: [String]?) = ([], nil)
        do {
            list = try ListRequest(context.request)
            filter = try ExecutionFilterInput.parse(context.request, zone: zone)
            page = try service.list(filter, limit: list.limit, after: list.after, actor: context.actor)
        } catch {
            guard let formErrors = FormErrors.from(error, labels: labels, links: links) else { throw error }
            errors = formErrors
        }
        let schedules = try service.scheduleChoices(actor: context.actor)
        let query = ExecutionFilterInput.query(context.request)
        let title = list.after == nil ? "Runs" : "Runs (continued)"
        let view = ExecutionListPageView(
            chrome: PageChrome(title: errors.title(title), context: context, section: "executions"),
            errors: errors, toError: errors.fields["to"] ?? errors.fields["cursor"] ?? errors.fields["limit"],
            statuses: ExecutionHistoryService.statuses.map { .init(value: $0, label: $0, selected: context.request.queryValue("status") == $0) },
            schedules: schedules.map { .init(value: $0.id.uuidString.lowercased(), label: $0.name,
                                             selected: context.request.queryValue("schedule_id")?.lowercased() == $0.id.uuidString.lowercased()) },
            from: context.request.queryValue("from") ?? "", to: context.request.queryValue("to") ?? "",
            filtered: filter != ExecutionHistoryService.Filter() || errors.any,
            rows: page.items.map { ExecutionRowView($0, zone: zone) }, hasRows: !page.items.isEmpty,
            nextHref: page.next.map { "/executions?" + (query.isEmpty ? "" : query + "&") + "cursor=" + ListRequest.cursor($0) })
        return .html(try templates.render(view, template: "pages/executions/list"), status: errors.any ? .unprocessableContent : .ok)
    }
}
