import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore

/// `/destinations`: every kind's form is built from `DestinationFormFields`, so a field's error shows beside it;
/// secrets are never shown, only whether each is set. "Test connection" runs `DestinationTester` on the saved
/// destination and shows the failing step.
enum DestinationPages {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/destinations", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try DestinationsAPI.service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            let rows = page.items.map {
                DestinationListView.Row(id: $0.id.uuidString.lowercased(), name: $0.name, kind: DestinationFormFields.label($0.kind),
                                        path: summary($0), shared: $0.ownerID == nil,
                                        mayChange: context.actor.isAdmin || $0.ownerID == context.actor.userID)
            }
            let view = DestinationListView(chrome: PageChrome(title: "Destinations", context: context, section: "destinations"),
                                           rows: rows, empty: rows.isEmpty, root: context.settings.deliveryRoot,
                                           nextHref: page.nextAfter.map { "/destinations?cursor=" + ListRequest.cursor($0) })
            return .html(try templates.render(view, template: "pages/destinations/list"))
        }
        router.get("/destinations/new", .signedIn(.creator)) { context in
            let kind = DestinationKind(rawValue: context.request.queryValue("kind") ?? "folder") ?? .folder
            return try form(context, templates, destination: nil, kind: kind, name: "", values: [:])
        }
        router.post("/destinations", .signedIn(.creator)) { context in
            try save(context, templates, destination: nil)
        }
        router.get("/destinations/:id", .signedIn(.creator)) { context in
            let destination = try DestinationsAPI.service(context).checkMayChange(try context.id("id", "destination"), actor: context.actor)
            return try form(context, templates, destination: destination, kind: DestinationKind(rawValue: destination.kind) ?? .folder,
                            name: destination.name, values: DestinationFormFields.values(settingsJSON: destination.settingsJSON, path: destination.path))
        }
        router.post("/destinations/:id", .signedIn(.creator)) { context in
            let destination = try DestinationsAPI.service(context).checkMayChange(try context.id("id", "destination"), actor: context.actor)
            return try save(context, templates, destination: destination)
        }
        router.post("/destinations/:id/test", .signedIn(.creator)) { context in
            let service = try DestinationsAPI.service(context)
            let destination = try service.checkMayChange(try context.id("id", "destination"), actor: context.actor)
            let result = try DestinationTester(destinations: service, environment: try context.channelsWithSystemEmail()).test(destination.id, actor: context.actor)
            return try form(context, templates, destination: destination, kind: DestinationKind(rawValue: destination.kind) ?? .folder,
                            name: destination.name, values: DestinationFormFields.values(settingsJSON: destination.settingsJSON, path: destination.path),
                            test: DestinationFormView.TestResult(ok: result.ok, detail: result.detail))
        }
        router.get("/destinations/:id/delete", .signedIn(.creator)) { context in
            let service = try DestinationsAPI.service(context)
            let destination = try service.checkMayChange(try context.id("id", "destination"), actor: context.actor)
            let schedules = try service.scheduleCount(destination.id)
            let view = DestinationDeleteView(chrome: PageChrome(title: "Delete \(destination.name)", context: context, section: "destinations"),
                                             id: destination.id.uuidString.lowercased(), name: destination.name, path: summary(destination),
                                             schedules: schedules, inUse: schedules > 0)
            return .html(try templates.render(view, template: "pages/destinations/delete"))
        }
        router.post("/destinations/:id/delete", .signedIn(.creator)) { context in
            try DestinationsAPI.service(context).delete(try context.id("id", "destination"), actor: context.actor)
            return .redirect(to: "/destinations?done=deleted")
        }
    }

    /// What the list shows of a destination: where it delivers (never a secret: settings hold none).
    static func summary(_ destination: Destination) -> String {
        let values = DestinationFormFields.values(settingsJSON: destination.settingsJSON, path: destination.path)
        switch destination.kind {
        case "folder": return destination.path
        case "email": return values["settings.to"] ?? ""
        case "sftp", "ftp": return "\(values["settings.username"] ?? "")@\(values["settings.host"] ?? ""):\(values["settings.path"] ?? "")"
        case "s3", "gcs": return values["settings.bucket"] ?? ""
        case "azure": return values["settings.container_url"] ?? ""
        default: return values["settings.url"] ?? values["settings.preset"] ?? ""
        }
    }

    static func save(_ context: RequestContext, _ templates: Templates, destination: Destination?) throws -> HTTPResponse {
        let posted = try PostedForm(context)
        let kind = destination.flatMap { DestinationKind(rawValue: $0.kind) } ?? DestinationKind(rawValue: posted["kind"]) ?? .folder
        let input = DestinationFormFields.input(kind: kind, posted: posted, root: context.settings.deliveryRoot)
        let service = try DestinationsAPI.service(context)
        do {
            if let destination {
                _ = try service.update(destination.id, input, actor: context.actor, replacing: true)
                return .redirect(to: "/destinations?done=saved")
            }
            _ = try service.create(input, actor: context.actor)
            return .redirect(to: "/destinations?done=created")
        } catch {
            let fields = DestinationFormFields.fields(kind, root: context.settings.deliveryRoot)
            let labels = Dictionary(fields.map { ($0.name, $0.label) }, uniquingKeysWith: { a, _ in a })
            let links = Dictionary(fields.map { ($0.name, "#" + fieldID($0.name)) }, uniquingKeysWith: { a, _ in a })
            guard let found = FormErrors.from(error, labels: labels, links: links) else { throw error }
            var values = posted.values.compactMapValues(\.first)
            for field in fields where field.isSecret { values[field.name] = nil }
            return try form(context, templates, destination: destination, kind: kind, name: posted["name"], values: values,
                            errors: found, status: .unprocessableContent)
        }
    }

    static func fieldID(_ name: String) -> String { name.replacingOccurrences(of: ".", with: "-") }

    static func form(_ context: RequestContext, _ templates: Templates, destination: Destination?, kind: DestinationKind, name: String,
                     values: [String: String], errors: FormErrors = FormErrors(), status: HTTPStatus = .ok,
                     test: DestinationFormView.TestResult? = nil) throws -> HTTPResponse {
        let title = destination.map { "Edit \($0.name)" } ?? "New \(DestinationFormFields.label(kind.rawValue)) destination"
        let setSecrets = Set(destination?.secretFields ?? [])
        let fields = DestinationFormFields.fields(kind, root: context.settings.deliveryRoot).map { field in
            DestinationFormView.Field(field, value: field.isSecret ? "" : values[field.name] ?? "", error: errors.fields[field.name],
                                      secretSet: field.isSecret && setSecrets.contains(field.path.joined(separator: ".")))
        }
        let id = destination?.id.uuidString.lowercased()
        let view = DestinationFormView(
            chrome: PageChrome(title: errors.title(title), context: context, section: "destinations"),
            heading: title, action: id.map { "/destinations/\($0)" } ?? "/destinations",
            deleteHref: id.map { "/destinations/\($0)/delete" }, testAction: id.map { "/destinations/\($0)/test" },
            name: name, kind: kind.rawValue, kindLabel: DestinationFormFields.label(kind.rawValue),
            kinds: destination == nil ? DestinationFormFields.kindLabels.map {
                DestinationFormView.KindLink(href: "/destinations/new?kind=\($0.0.rawValue)", label: $0.1, current: $0.0 == kind)
            } : [],
            chooseKind: destination == nil, fields: fields, test: test, errors: errors)
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

/// `pages/destinations/form`: new (with the kinds to choose from) and edit, one field list per kind.
struct DestinationFormView: Sendable, Encodable {
    struct KindLink: Sendable, Encodable { let href: String; let label: String; let current: Bool }
    struct TestResult: Sendable, Encodable { let ok: Bool; let detail: String }
    struct Field: Sendable, Encodable {
        let id: String
        let name: String
        let label: String
        let hint: String?
        let value: String
        let error: String?
        let isText: Bool, isNumber: Bool, isTextarea: Bool, isCheckbox: Bool, isSelect: Bool, isSecret: Bool, isSecretText: Bool
        let checked: Bool
        let options: [SelectOption]
        /// A secret is stored: the field stays blank to keep it, and may be removed.
        let secretSet: Bool

        init(_ field: DestinationField, value: String, error: String?, secretSet: Bool) {
            id = DestinationPages.fieldID(field.name)
            name = field.name
            label = field.label
            hint = field.hint
            self.value = value
            self.error = error
            isText = field.input == .text || field.input == .list
            isNumber = field.input == .number
            isTextarea = field.input == .textarea
            isCheckbox = field.input == .checkbox
            isSecret = field.input == .secret
            isSecretText = field.input == .secretText
            checked = value == "on" || value == "true"
            if case .select(let choices) = field.input {
                isSelect = true
                options = choices.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == value) }
            } else {
                isSelect = false
                options = []
            }
            self.secretSet = secretSet
        }
    }
    let chrome: PageChrome
    let heading: String
    let action: String
    let deleteHref: String?
    let testAction: String?
    let name: String
    let kind: String
    let kindLabel: String
    let kinds: [KindLink]
    /// A new destination: the kinds are offered as tabs.
    let chooseKind: Bool
    let fields: [Field]
    let test: TestResult?
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
