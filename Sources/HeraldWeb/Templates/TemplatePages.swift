import Foundation
import HeraldCore
import HeraldStore

/// `/templates`: distribution templates (list, new, edit, delete), each a form page whose errors show beside their
/// fields. Recipients are the email destinations' own, as the form's hint says.
enum TemplatePages {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/templates", .signedIn(.creator)) { context in
            let list = try ListRequest(context.request)
            let page = try TemplatesAPI.service(context).list(actor: context.actor, after: list.after, limit: list.limit)
            let names = try destinationNames(context)
            let rows = page.items.map {
                TemplateListView.Row(id: $0.id.uuidString.lowercased(), name: $0.name,
                                     destinations: $0.destinationIDs.compactMap { names[$0] }.joined(separator: ", "),
                                     formats: $0.formats.joined(separator: ", ").uppercased(), shared: $0.ownerID == nil,
                                     mayChange: context.actor.isAdmin || $0.ownerID == context.actor.userID)
            }
            let view = TemplateListView(chrome: PageChrome(title: "Distribution templates", context: context, section: "templates"),
                                        rows: rows, empty: rows.isEmpty,
                                        nextHref: page.nextAfter.map { "/templates?cursor=" + ListRequest.cursor($0) })
            return .html(try templates.render(view, template: "pages/templates/list"))
        }
        router.get("/templates/new", .signedIn(.creator)) { context in
            try form(context, templates, template: nil, values: TemplateFormValues())
        }
        router.post("/templates", .signedIn(.creator)) { context in
            try save(context, templates, template: nil)
        }
        router.get("/templates/:id", .signedIn(.creator)) { context in
            let template = try TemplatesAPI.service(context).checkMayChange(try context.id("id", "template"), actor: context.actor)
            return try form(context, templates, template: template, values: TemplateFormValues(template))
        }
        router.post("/templates/:id", .signedIn(.creator)) { context in
            let template = try TemplatesAPI.service(context).checkMayChange(try context.id("id", "template"), actor: context.actor)
            return try save(context, templates, template: template)
        }
        router.get("/templates/:id/delete", .signedIn(.creator)) { context in
            let template = try TemplatesAPI.service(context).checkMayChange(try context.id("id", "template"), actor: context.actor)
            let names = try destinationNames(context)
            let view = TemplateDeleteView(chrome: PageChrome(title: "Delete \(template.name)", context: context, section: "templates"),
                                          id: template.id.uuidString.lowercased(), name: template.name,
                                          destinations: template.destinationIDs.compactMap { names[$0] }.joined(separator: ", "))
            return .html(try templates.render(view, template: "pages/templates/delete"))
        }
        router.post("/templates/:id/delete", .signedIn(.creator)) { context in
            try TemplatesAPI.service(context).delete(try context.id("id", "template"), actor: context.actor)
            return .redirect(to: "/templates?done=deleted")
        }
    }

    static func destinationNames(_ context: RequestContext) throws -> [UUID: String] {
        Dictionary(try context.schedules().destinationChoices(actor: context.actor).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    static func save(_ context: RequestContext, _ templates: Templates, template: DistributionTemplate?) throws -> HTTPResponse {
        let posted = try PostedForm(context)
        let values = TemplateFormValues(posted)
        let input = DistributionTemplateInput(name: values.name, destinationIDs: values.destinationIDs, formats: values.formats,
                                              filenamePattern: values.filenamePattern, naming: values.naming,
                                              emailSubject: values.emailSubject, emailBodyMd: values.emailBodyMd)
        let service = TemplatesAPI.service
        do {
            if let template {
                _ = try service(context).update(template.id, input, actor: context.actor, replacing: true)
                return .redirect(to: "/templates?done=saved")
            }
            _ = try service(context).create(input, actor: context.actor)
            return .redirect(to: "/templates?done=created")
        } catch {
            guard let found = FormErrors.from(error, labels: labels, links: links) else { throw error }
            return try form(context, templates, template: template, values: values, errors: found, status: .unprocessableContent)
        }
    }

    static let labels = ["destination_ids": "Destinations", "formats": "Formats", "filename_pattern": "File name",
                         "naming": "If the file exists", "email_subject": "Email subject", "email_body_md": "Email message"]
    static let links = ["name": "#name", "destination_ids": "#field-destination_ids", "formats": "#format-\(ScheduleService.formats[0])",
                        "filename_pattern": "#filename_pattern", "naming": "#naming-overwrite",
                        "email_subject": "#email_subject", "email_body_md": "#email_body_md"]

    static func form(_ context: RequestContext, _ templates: Templates, template: DistributionTemplate?, values: TemplateFormValues,
                     errors: FormErrors = FormErrors(), status: HTTPStatus = .ok) throws -> HTTPResponse {
        let heading = template.map { "Edit \($0.name)" } ?? "New distribution template"
        let destinations = try context.schedules().destinationChoices(actor: context.actor)
        let id = template?.id.uuidString.lowercased()
        let view = TemplateFormView(
            chrome: PageChrome(title: errors.title(heading), context: context, section: "templates"),
            heading: heading, action: id.map { "/templates/\($0)" } ?? "/templates", deleteHref: id.map { "/templates/\($0)/delete" },
            name: values.name,
            destinations: destinations.map {
                Choice(value: $0.id.uuidString.lowercased(), label: "\($0.name) (\($0.kind))", checked: values.destinationIDs.contains($0.id))
            },
            hasDestinations: !destinations.isEmpty,
            formats: ScheduleService.formats.map { Choice(value: $0, label: $0.uppercased(), checked: values.formats.contains($0)) },
            filenamePattern: values.filenamePattern,
            naming: [Choice(value: "overwrite", label: "Overwrite it", checked: values.naming != "timestamp"),
                     Choice(value: "timestamp", label: "Keep it and add a timestamp to the new file's name", checked: values.naming == "timestamp")],
            emailSubject: values.emailSubject, emailBodyMd: values.emailBodyMd, errors: errors)
        return .html(try templates.render(view, template: "pages/templates/form"), status: status)
    }
}

/// What the form shows: a stored template, or what was posted (kept as typed when refused).
struct TemplateFormValues {
    var name = ""
    var destinationIDs: [UUID] = []
    var formats = ["csv"]
    var filenamePattern = ScheduleDraft.defaultFilenamePattern
    var naming = "overwrite"
    var emailSubject = ""
    var emailBodyMd = ""

    init() {}

    init(_ t: DistributionTemplate) {
        name = t.name; destinationIDs = t.destinationIDs; formats = t.formats; filenamePattern = t.filenamePattern
        naming = t.naming; emailSubject = t.emailSubject; emailBodyMd = t.emailBodyMd
    }

    init(_ posted: PostedForm) {
        name = posted["name"]
        destinationIDs = (posted.values["destination_ids"] ?? []).compactMap(UUID.init(uuidString:))
        formats = posted.values["formats"] ?? []
        filenamePattern = posted["filename_pattern"]
        naming = posted["naming"]
        emailSubject = posted["email_subject"]
        emailBodyMd = posted["email_body_md"]
    }
}

/// `pages/templates/list`.
struct TemplateListView: Sendable, Encodable {
    struct Row: Sendable, Encodable {
        let id: String; let name: String; let destinations: String; let formats: String; let shared: Bool; let mayChange: Bool
    }
    let chrome: PageChrome
    let rows: [Row]
    let empty: Bool
    let nextHref: String?
}

/// `pages/templates/form`: new and edit.
struct TemplateFormView: Sendable, Encodable {
    let chrome: PageChrome
    let heading: String
    let action: String
    let deleteHref: String?
    let name: String
    let destinations: [Choice]
    let hasDestinations: Bool
    let formats: [Choice]
    let filenamePattern: String
    let naming: [Choice]
    let emailSubject: String
    let emailBodyMd: String
    let errors: FormErrors
}

/// `pages/templates/delete`: the confirmation page.
struct TemplateDeleteView: Sendable, Encodable {
    let chrome: PageChrome
    let id: String
    let name: String
    let destinations: String
}
