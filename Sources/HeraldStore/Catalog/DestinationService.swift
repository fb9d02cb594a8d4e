import Foundation
import HeraldCore
import Postgres

/// Destinations, for the CLI, pages and API alike; today the folder kind: a name and a sub-folder under the delivery
/// root (`HERALD_DELIVERY_ROOT`), never an absolute path or one that climbs out. Creators see and use their own and
/// the shared ones (no owner), and change only their own; admins (and the CLI) all; viewers none.
public struct DestinationService {
    let connection: PostgresConnection
    /// The configured delivery root: a sub-folder whose existing components are symbolic links is refused.
    let deliveryRoot: String

    public init(connection: PostgresConnection, deliveryRoot: String) {
        self.connection = connection
        self.deliveryRoot = deliveryRoot
    }

    /// The kinds this version can deliver to (the channels issue adds more).
    public static let kinds = ["folder"]

    public func list(actor: Actor, after: [String]? = nil, limit: Int = 50) throws -> CatalogPage<Destination> {
        try checkCreator(actor)
        let key = try Keyset.after(after, key: .text)
        let rows = try connection.query("""
            \(fragment: Self.select)
            WHERE \(fragment: Self.usable("d", actor))
              AND (\(key == nil) OR (d.name, d.id) > (\(key?.key ?? ""), \(key?.id ?? UUID())::uuid))
            ORDER BY d.name, d.id LIMIT \(limit + 1)
            """)
        let items = try rows.prefix(limit).map(Self.record)
        return CatalogPage(items: items, nextAfter: rows.count > limit ? items.last.map { Keyset.parts($0.name, $0.id) } : nil)
    }

    public func get(_ id: UUID, actor: Actor) throws -> Destination {
        try checkCreator(actor)
        guard let row = try connection.query("\(fragment: Self.select) WHERE d.id = \(id) AND \(fragment: Self.usable("d", actor))").first
        else { throw NotFound("destination") }
        return try Self.record(row)
    }

    /// A new destination owned by the actor. From the CLI, `ownerID` names the owner (nil: shared with every creator);
    /// `filenamePattern` and `naming` are the CLI's per-destination file naming (kept in the settings for the channel).
    public func create(_ input: DestinationInput, actor: Actor, ownerID: UUID? = nil,
                       filenamePattern: String? = nil, naming: String? = nil) throws -> Destination {
        try checkCreator(actor)
        var valid = try validate(input, keeping: nil)
        if let filenamePattern, filenamePattern.isEmpty || filenamePattern.contains("/") || filenamePattern.contains("..") {
            valid.errors.append(ValidationError(field: "filename", message: "must be a file name pattern without / or .."))
        }
        if let naming, naming != "overwrite", naming != "timestamp" {
            valid.errors.append(ValidationError(field: "naming", message: "must be overwrite or timestamp"))
        }
        if !valid.errors.isEmpty { throw ValidationErrors(valid.errors) }
        let owner = actor.principal == nil ? ownerID : actor.userID
        struct Settings: Encodable, Sendable { let path: String; let filename: String?; let naming: String? }
        return try atomically(connection) {
            let id: UUID = try connection.query("""
                INSERT INTO destinations (name, kind, settings, owner_id)
                VALUES (\(valid.name), \(valid.kind), \(PostgresJSON(Settings(path: valid.path, filename: filenamePattern, naming: naming)))::jsonb, \(owner))
                RETURNING id
                """)[0].decode("id")
            let created = try get(id, actor: actor)
            try audit(actor, "destination.create", id, ["after": Self.describe(created)])
            return created
        }
    }

    /// Changes what `input` names (nil keeps what is stored). A shared destination is changed only by an admin.
    /// `replacing` (an API PUT): a missing field is missing, not kept.
    public func update(_ id: UUID, _ input: DestinationInput, actor: Actor, replacing: Bool = false) throws -> Destination {
        let before = try checkMayChange(id, actor: actor)
        let valid = try validate(input, keeping: replacing ? nil : before)
        return try atomically(connection) {
            try connection.execute("""
                UPDATE destinations SET name = \(valid.name), kind = \(valid.kind),
                    settings = jsonb_set(settings, '{path}', to_jsonb(\(valid.path)::text)), updated_at = now()
                WHERE id = \(id)
                """)
            let after = try get(id, actor: actor)
            try audit(actor, "destination.update", id, ["before": Self.describe(before), "after": Self.describe(after)])
            return after
        }
    }

    /// Refused (409) while schedules deliver to it.
    public func delete(_ id: UUID, actor: Actor) throws {
        let before = try checkMayChange(id, actor: actor)
        try atomically(connection) {
            let schedules = try scheduleCount(id)
            guard schedules == 0 else {
                throw Conflict("\(before.name) is used by \(schedules) schedule\(schedules == 1 ? "" : "s"); remove it from them first.")
            }
            try connection.execute("DELETE FROM destinations WHERE id = \(id)")
            try audit(actor, "destination.delete", id, ["before": Self.describe(before)])
        }
    }

    /// How many schedules deliver to the destination.
    public func scheduleCount(_ id: UUID) throws -> Int {
        try connection.query("SELECT count(*)::int AS n FROM schedules WHERE \(id)::uuid = ANY(destination_ids)")[0].decode("n")
    }

    /// The destination, if the actor may change it: visible (else `NotFound`) and owned, or the actor is an admin.
    public func checkMayChange(_ id: UUID, actor: Actor) throws -> Destination {
        let destination = try get(id, actor: actor)
        guard actor.isAdmin || destination.ownerID == actor.userID else {
            throw Forbidden("Only an admin may change a shared destination.")
        }
        return destination
    }

    struct Valid {
        let name: String
        let kind: String
        let path: String
        var errors: [ValidationError] = []
    }

    func validate(_ input: DestinationInput, keeping before: Destination?) throws -> Valid {
        var errors: [ValidationError] = []
        let name = input.name == nil && before != nil ? before!.name : validatedName(input.name, into: &errors)
        let kind = input.kind ?? before?.kind ?? "folder"
        if !Self.kinds.contains(kind) {
            errors.append(ValidationError(field: "kind", message: "must be one of: \(Self.kinds.joined(separator: ", "))"))
        }
        var path: String?
        do {
            path = try DeliverySubfolder.normalize(input.path ?? before?.path ?? "", field: "path")
            if let path { try refuseLinks(path) }
        } catch let error as ValidationError {
            errors.append(error)
            path = nil
        }
        guard errors.isEmpty, let name, let path else { throw ValidationErrors(errors) }
        return Valid(name: name, kind: kind, path: path)
    }

    /// The parts of `path` that already exist under the root must be plain folders (the channel checks again when
    /// delivering, as links can appear later).
    private func refuseLinks(_ path: String) throws {
        var current = (deliveryRoot as NSString).standardizingPath
        for component in path.split(separator: "/") {
            current += "/" + component
            guard let type = try? FileManager.default.attributesOfItem(atPath: current)[.type] as? FileAttributeType else { return }
            guard type == .typeDirectory else {
                throw ValidationError(field: "path", message: "must not pass through a symbolic link or a file (\(component.prefix(80)) is one)")
            }
        }
    }

    private func checkCreator(_ actor: Actor) throws {
        guard actor.has(.creator) else { throw Forbidden("Only creators and admins may see and change destinations.") }
    }

    private func audit(_ actor: Actor, _ action: String, _ id: UUID, _ details: [String: String]) throws {
        try AuditLog(connection: connection).record(actorID: actor.userID, actorLabel: actor.label, action: action,
                                                    subjectType: "destination", subjectID: id.uuidString.lowercased(), details: details)
    }

    /// The actor may see and use `alias`: their own, or shared (no owner); admins all.
    static func usable(_ alias: String, _ actor: Actor) -> PostgresQuery {
        guard !actor.isAdmin else { return "true" }
        return "(\(fragment: Visibility.owned(alias, actor)) OR \(unsafeRaw: alias).owner_id IS NULL)"
    }

    static func describe(_ destination: Destination) -> String {
        "name=\(destination.name) kind=\(destination.kind) path=\(destination.path)"
    }

    static let select: PostgresQuery = """
        SELECT d.id, d.name, d.kind, coalesce(d.settings->>'path', '') AS path, d.secret_encrypted IS NOT NULL AS secret_set,
               d.owner_id, d.created_at, d.updated_at
        FROM destinations d
        """

    static func record(_ row: PostgresRow) throws -> Destination {
        Destination(id: try row.decode("id"), name: try row.decode("name"), kind: try row.decode("kind"), path: try row.decode("path"),
                    secretSet: try row.decode("secret_set"), ownerID: try row.decode("owner_id", as: UUID?.self),
                    createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
