import Foundation
import HeraldCore
import Postgres

/// Distribution templates, for the pages and the API alike. Ownership follows destinations: creators see and use
/// their own and the shared ones (no owner, made by an admin) and change only their own; admins all; viewers none.
/// What the actor may not see is `NotFound`. Every destination a template names must be one the actor may use
/// (`DestinationService.usable`). Deleting a template changes no schedule: schedules copied from it.
public struct DistributionTemplateService {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func list(actor: Actor, after: [String]? = nil, limit: Int = 50) throws -> CatalogPage<DistributionTemplate> {
        try checkCreator(actor)
        let key = try Keyset.after(after, key: .text)
        let rows = try connection.query("""
            \(fragment: Self.select)
            WHERE \(fragment: DestinationService.usable("t", actor))
              AND (\(key == nil) OR (t.name, t.id) > (\(key?.key ?? ""), \(key?.id ?? UUID())::uuid))
            ORDER BY t.name, t.id LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.record)
        return CatalogPage(items: items, nextAfter: rows.count > limit ? items.last.map { Keyset.parts($0.name, $0.id) } : nil)
    }

    /// Every template the actor may use, by name (the wizard's select).
    public func choices(actor: Actor) throws -> [DistributionTemplate] {
        guard actor.has(.creator) else { return [] }
        return try connection.query("\(fragment: Self.select) WHERE \(fragment: DestinationService.usable("t", actor)) ORDER BY t.name, t.id LIMIT 500")
            .map(Self.record)
    }

    public func get(_ id: UUID, actor: Actor) throws -> DistributionTemplate {
        try checkCreator(actor)
        guard let row = try connection.query("\(fragment: Self.select) WHERE t.id = \(id) AND \(fragment: DestinationService.usable("t", actor))").first
        else { throw NotFound("template") }
        return try Self.record(row)
    }

    /// A new template owned by the actor; from the command line (no principal) `ownerID` names the owner, nil shared.
    /// An admin's templates are shared unless `ownerID` says otherwise, so every creator may use them.
    public func create(_ input: DistributionTemplateInput, actor: Actor, ownerID: UUID? = nil) throws -> DistributionTemplate {
        try checkCreator(actor)
        let owner = actor.isAdmin ? ownerID : actor.userID
        return try atomically(connection) {
            let valid = try validate(input, keeping: nil, actor: actor)
            let id: UUID = try connection.query("""
                INSERT INTO distribution_templates (name, destination_ids, formats, filename_pattern, naming, email_subject, email_body_md, owner_id)
                VALUES (\(valid.name), \(valid.destinationIDs)::uuid[], \(valid.formats)::text[], \(valid.filenamePattern), \(valid.naming),
                        \(valid.emailSubject), \(valid.emailBodyMd), \(owner))
                RETURNING id
                """)[0].decode("id")
            let created = try get(id, actor: actor)
            try audit(actor, "template.create", id, ["after": Self.describe(created)])
            return created
        }
    }

    /// Changes the fields `input` gives (nil keeps); `replacing` (an API PUT): missing fields take their defaults.
    public func update(_ id: UUID, _ input: DistributionTemplateInput, actor: Actor, replacing: Bool = false) throws -> DistributionTemplate {
        try atomically(connection) {
            let before = try checkMayChange(id, actor: actor)
            let valid = try validate(input, keeping: replacing ? nil : before, actor: actor)
            try connection.execute("""
                UPDATE distribution_templates
                SET name = \(valid.name), destination_ids = \(valid.destinationIDs)::uuid[], formats = \(valid.formats)::text[],
                    filename_pattern = \(valid.filenamePattern), naming = \(valid.naming), email_subject = \(valid.emailSubject),
                    email_body_md = \(valid.emailBodyMd), updated_at = now()
                WHERE id = \(id)
                """)
            let after = try get(id, actor: actor)
            try audit(actor, "template.update", id, ["before": Self.describe(before), "after": Self.describe(after)])
            return after
        }
    }

    /// Schedules copied what they needed, so nothing refuses this; their link to the template is cleared.
    public func delete(_ id: UUID, actor: Actor) throws {
        try atomically(connection) {
            let before = try checkMayChange(id, actor: actor)
            try connection.execute("DELETE FROM distribution_templates WHERE id = \(id)")
            try audit(actor, "template.delete", id, ["before": Self.describe(before)])
        }
    }

    /// The template, if the actor may change it: visible (else `NotFound`) and owned, or the actor is an admin.
    public func checkMayChange(_ id: UUID, actor: Actor) throws -> DistributionTemplate {
        let template = try get(id, actor: actor)
        guard actor.isAdmin || template.ownerID == actor.userID else {
            throw Forbidden("Only an admin may change a shared template.")
        }
        return template
    }

    /// Copies the template into the draft (destinations, formats, naming, message text) and records where they
    /// came from; `keeping` names draft fields (snake_case) the caller set itself, which stay as they are.
    public func apply(_ id: UUID, to draft: inout ScheduleDraft, actor: Actor, keeping: Set<String> = []) throws {
        let template = try get(id, actor: actor)
        if !keeping.contains("destination_ids") { draft.destinationIDs = template.destinationIDs }
        if !keeping.contains("formats") { draft.formats = template.formats }
        if !keeping.contains("filename_pattern") { draft.filenamePattern = template.filenamePattern }
        if !keeping.contains("naming") { draft.naming = template.naming }
        if !keeping.contains("email_subject") { draft.emailSubject = template.emailSubject }
        if !keeping.contains("email_body_md") { draft.emailBodyMd = template.emailBodyMd }
        draft.templateID = template.id
    }

    // MARK: Checking

    struct Valid {
        let name: String
        let destinationIDs: [UUID]
        let formats: [String]
        let filenamePattern: String
        let naming: String
        let emailSubject: String
        let emailBodyMd: String
    }

    func validate(_ input: DistributionTemplateInput, keeping before: DistributionTemplate?, actor: Actor) throws -> Valid {
        var errors: [ValidationError] = []
        let name = input.name == nil && before != nil ? before!.name : validatedName(input.name, into: &errors)
        let destinations = DistributionRules.unique(input.destinationIDs ?? before?.destinationIDs ?? [])
        if destinations.isEmpty {
            errors.append(ValidationError(field: "destination_ids", message: "choose at least one destination"))
        } else {
            let usable: Int = try connection.query("""
                SELECT count(*)::int AS n FROM destinations d WHERE d.id = ANY(\(destinations)::uuid[]) AND \(fragment: DestinationService.usable("d", actor))
                """)[0].decode("n")
            if usable != destinations.count {
                errors.append(ValidationError(field: "destination_ids", message: "names a destination you may not use"))
            }
        }
        let formats = DistributionRules.unique(input.formats ?? before?.formats ?? ["csv"])
        if let error = DistributionRules.checkFormats(formats) { errors.append(error) }
        let pattern = (input.filenamePattern ?? before?.filenamePattern ?? ScheduleDraft.defaultFilenamePattern).trimmingCharacters(in: .whitespaces)
        if let error = DistributionRules.checkFilenamePattern(pattern) { errors.append(error) }
        let naming = input.naming ?? before?.naming ?? "overwrite"
        if let error = DistributionRules.checkNaming(naming) { errors.append(error) }
        let subject = (input.emailSubject ?? before?.emailSubject ?? "").trimmingCharacters(in: .whitespaces)
        let body = input.emailBodyMd ?? before?.emailBodyMd ?? ""
        errors += DistributionRules.checkMessage(subject: subject, body: body)
        guard errors.isEmpty, let name else { throw ValidationErrors(errors) }
        return Valid(name: name, destinationIDs: destinations, formats: formats, filenamePattern: pattern, naming: naming,
                     emailSubject: subject, emailBodyMd: body)
    }

    // MARK: Rows

    private func checkCreator(_ actor: Actor) throws {
        guard actor.has(.creator) else { throw Forbidden("Only creators and admins may see and change distribution templates.") }
    }

    private func audit(_ actor: Actor, _ action: String, _ id: UUID, _ details: [String: String]) throws {
        try AuditLog(connection: connection).record(actorID: actor.userID, actorLabel: actor.label, action: action,
                                                    subjectType: "distribution_template", subjectID: id.uuidString.lowercased(), details: details)
    }

    static func describe(_ t: DistributionTemplate) -> String {
        "name=\(t.name) destinations=\(t.destinationIDs.map { $0.uuidString.lowercased() }.joined(separator: ",")) formats=\(t.formats.joined(separator: ",")) filename=\(t.filenamePattern) naming=\(t.naming) subject=\(t.emailSubject)"
    }

    static let select: PostgresQuery = """
        SELECT t.id, t.name, array_to_string(t.destination_ids, ',') AS destination_ids, array_to_string(t.formats, ',') AS formats,
               t.filename_pattern, t.naming, t.email_subject, t.email_body_md, t.owner_id, t.created_at, t.updated_at
        FROM distribution_templates t
        """

    static func record(_ row: PostgresRow) throws -> DistributionTemplate {
        DistributionTemplate(id: try row.decode("id"), name: try row.decode("name"),
                             destinationIDs: try ScheduleService.ids(try row.decode("destination_ids")),
                             formats: ScheduleService.words(try row.decode("formats")),
                             filenamePattern: try row.decode("filename_pattern"), naming: try row.decode("naming"),
                             emailSubject: try row.decode("email_subject"), emailBodyMd: try row.decode("email_body_md"),
                             ownerID: try row.decode("owner_id", as: UUID?.self),
                             createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
