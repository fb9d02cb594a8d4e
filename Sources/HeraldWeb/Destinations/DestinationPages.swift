import Foundation
import HeraldCore
import HeraldStore

/// `/destinations`: the folder kind today (a name and a sub-folder of the delivery root); the kind selector is where
/// the channels issue adds e-mail, SFTP and the others.
enum DestinationPages {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/destinations", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try DestinationsAPI.service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            let rows = page.items.map {
                DestinationListView.Row(id: $0.id.uuidString.lowercased(), name: $0.name, kind: $0.kind == "folder" ? "Folder" : $0.kind,
                                        path: $0.path, shared: $0.ownerID == nil,
                                        mayChange: context.actor.isAdmin || $0.ownerID == context.actor.userID)
            }
            let view = DestinationListView(chrome: PageChrome(title: "Destinations", context: context, section: "destinations"),
                                           rows: rows, empty: rows.isEmpty, root: context.settings.deliveryRoot,
                                           nextHref: page.nextAfter.map { "/destinations?cursor=" + ListRequest.cursor($0) })
            return .html(try templates.render(view, template: "pages/destinations/list"))
        }
        router.get("/destinations/new", .signedIn(.creator)) { context in
            try form(context, templates, destination: nil, name: "", kind: "folder", path: "")
        }
        router.post("/destinations", .signedIn(.creator)) { context in
            try save(context, templates, destination: nil)
        }
        router.get("/destinations/:id", .signedIn(.creator)) { context in
            let destination = try DestinationsAPI.service(context).checkMayChange(try context.id("id", "destination"), actor: context.actor)
            return try form(context, templates, destination: destination, name: destination.name, kind: destination.kind, path: destination.path)
        }
        router.post("/destinations/:id", .signedIn(.creator)) { context in
            let destination = try DestinationsAPI.service(context).checkMayChange(try context.id("id", "destination"), actor: context.actor)
            return try save(context, templates, destination: destination)
        }
        router.get("/destinations/:id/delete", .signedIn(.creator)) { context in
            let service = try DestinationsAPI.service(context)
            let destination = try service.checkMayChange(try context.id("id", "destination"), actor: context.actor)
            let schedules = try service.scheduleCount(destination.id)
            let view = DestinationDeleteView(chrome: PageChrome(title: "Delete \(destination.name)", context: context, section: "destinations"),
                                             id: destination.id.uuidString.lowercased(), name: destination.name, path: destination.path,
                                             schedules: schedules, inUse: schedules > 0)
            return .html(try templates.render(view, template: "pages/destinations/delete"))
        }
        router.post("/destinations/:id/delete", .signedIn(.creator)) { context in
            try DestinationsAPI.service(context).delete(try context.id("id", "destination"), actor: context.actor)
            return .redirect(to: "/destinations?done=deleted")
        }
    }

    static func save(_ context: RequestContext, _ templates: Templates, destination: Destination?) throws -> HTTPResponse {
        let posted = try PostedForm(context)
        let input = DestinationInput(name: posted["name"], kind: posted["kind"], path: posted["path"])
        let service = try DestinationsAPI.service(context)
        do {
            if let destination {
                _ = try service.update(destination.id, input, actor: context.actor, replacing: true)
                return .redirect(to: "/destinations?done=saved")
            }
            _ = try service.create(input, actor: context.actor)
            return .redirect(to: "/destinations?done=created")
        } catch {
            guard let found = FormErrors.from(error, labels: labels) else { throw error }
            return try form(context, templates, destination: destination, name: posted["name"], kind: posted["kind"], path: posted["path"],
                            errors: found, status: .unprocessableContent)
        }
    }

    /// How the error summary names the fields whose label is not their name.
    static let labels = ["path": "Sub-folder"]

    static func form(_ context: RequestContext, _ templates: Templates, destination: Destination?, name: String, kind: String, path: String,
                     errors: FormErrors = FormErrors(), status: HTTPStatus = .ok) throws -> HTTPResponse {
        let title = destination.map { "Edit \($0.name)" } ?? "New destination"
        let view = DestinationFormView(
            chrome: PageChrome(title: errors.title(title), context: context, section: "destinations"),
            heading: title, action: destination.map { "/destinations/\($0.id.uuidString.lowercased())" } ?? "/destinations",
            deleteHref: destination.map { "/destinations/\($0.id.uuidString.lowercased())/delete" },
            name: name, path: path, root: context.settings.deliveryRoot,
            kinds: DestinationService.kinds.map { SelectOption(value: $0, label: $0 == "folder" ? "Folder" : $0, selected: $0 == kind) },
            errors: errors)
        return .html(try templates.render(view, template: "pages/destinations/form"), status: status)
    }
}

/// `pages/destinations/list`.
struct DestinationListView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let id: String; let name: String; let kind: String; let path: String; let shared: Bool; let mayChange: Bool }
    let chrome: PageChrome
    let rows: [Row]
    let empty: Bool
    let root: String
    let nextHref: String?
}

/// `pages/destinations/form`: new and edit.
struct DestinationFormView: Sendable, Encodable {
    let chrome: PageChrome
    let heading: String
    let action: String
    let deleteHref: String?
    let name: String
    let path: String
    let root: String
    let kinds: [SelectOption]
    let errors: FormErrors
}

/// `pages/destinations/delete`: the confirmation page.
struct DestinationDeleteView: Sendable, Encodable {
    let chrome: PageChrome
    let id: String
    let name: String
    let path: String
    let schedules: Int
    let inUse: Bool
}
