import Foundation
import HeraldCore
import HeraldStore

/// `/admin/audit` (admins): the audit log newest first, filtered by actor, action (or its prefix, `user.`),
/// subject type and a date range in the viewer's time zone; keyset pages that keep the filters.
enum AuditRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/admin/audit", .signedIn(.admin)) { context in
            let request = context.request
            let zone = context.principal!.timeZone
            let list = try ListRequest(request)
            func text(_ name: String) -> String { (request.queryValue(name) ?? "").trimmingCharacters(in: .whitespaces) }
            var errors: [ValidationError] = []
            func day(_ name: String, plusDays: Int64 = 0) -> Date? {
                let value = text(name)
                guard !value.isEmpty else { return nil }
                guard let start = startOfDay(value, zone: zone, plusDays: plusDays) else {
                    errors.append(ValidationError(field: name, message: "must be a date such as 2026-03-29"))
                    return nil
                }
                return start
            }
            let filter = AuditTrail.Filter(actor: text("actor").nilIfEmpty, action: text("action").nilIfEmpty,
                                           subjectType: text("subject_type").nilIfEmpty, from: day("from"), to: day("to", plusDays: 1))
            let formErrors = FormErrors(errors, labels: ["from": "From", "to": "To"])
            let page = formErrors.any ? AuditTrail.Page(entries: [], next: nil)
                : try AuditTrail(connection: try context.store()).list(actor: context.actor, filter: filter, after: list.after, limit: list.limit)
            var query = ["actor", "action", "subject_type", "from", "to"].compactMap { name -> String? in
                let value = text(name)
                return value.isEmpty ? nil : "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            }
            let filtered = !query.isEmpty
            var nextHref: String?
            if let next = page.next {
                query.append("cursor=\(ListRequest.cursor(next))")
                nextHref = "/admin/audit?" + query.joined(separator: "&")
            }
            let view = AuditPageView(
                chrome: PageChrome(title: formErrors.title("Audit log"), context: context, section: "admin/audit"),
                errors: formErrors, actor: text("actor"), action: text("action"), subjectType: text("subject_type"),
                from: text("from"), to: text("to"), zone: zone, filtered: filtered,
                entries: page.entries.map { AuditPageView.Row($0, zone: zone) }, hasEntries: !page.entries.isEmpty, nextHref: nextHref)
            return .html(try templates.render(view, template: "pages/admin/audit"), status: formErrors.any ? .unprocessableContent : .ok)
        }
    }

    /// Midnight of `YYYY-MM-DD` (plus some days) in the zone, as an instant; nil for anything else.
    static func startOfDay(_ text: String, zone: String, plusDays: Int64) -> Date? {
        guard text.count == 10, let local = UTCInstant.parse(text + "T00:00:00Z") else { return nil }
        let wall = local + plusDays * 86_400
        let offset = Int64((try? ZoneRules.named(zone).offset(at: wall)) ?? 0)
        return Date(timeIntervalSince1970: Double(wall - offset))
    }
}

/// `pages/admin/audit`.
struct AuditPageView: Sendable, Encodable {
    struct Detail: Sendable, Encodable { let key: String; let value: String }
    struct Row: Sendable, Encodable {
        let at: TimeView
        let actor: String
        let action: String
        let subject: String
        let details: [Detail]
        let hasDetails: Bool
        init(_ entry: AuditTrail.Entry, zone: String) {
            at = TimeView(entry.at, zone: zone)
            actor = entry.actorLabel
            action = entry.action
            subject = entry.subjectType + (entry.subjectID.map { " \($0)" } ?? "")
            details = entry.details.map { Detail(key: $0.key, value: $0.value) }
            hasDetails = !entry.details.isEmpty
        }
    }
    let chrome: PageChrome
    let errors: FormErrors
    let actor: String
    let action: String
    let subjectType: String
    let from: String
    let to: String
    let zone: String
    let filtered: Bool
    let entries: [Row]
    let hasEntries: Bool
    let nextHref: String?
}

fileprivate extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
