import Crypto
import Foundation
import HeraldCore
import Postgres

/// Destinations, for the CLI, pages and API alike: a named connection of one kind (folder, email, SFTP, FTP, S3, GCS,
/// Azure, webhook) with its settings in clear and its secrets sealed under the secret key. Secrets are write-only:
/// what comes back is which are set, never a value; a blank value keeps the stored one. Creators see and use their
/// own and the shared ones (no owner), and change only their own; admins (and the CLI) all; viewers none.
public struct DestinationService {
    let connection: PostgresConnection
    /// Folder destinations live below this root; a sub-folder whose existing components are symbolic links is refused.
    let deliveryRoot: String
    /// Seals and opens secrets; nil only where no secret is ever stored (a schedule's own folder).
    let keyring: SecretKeyring?

    public init(connection: PostgresConnection, deliveryRoot: String, keyring: SecretKeyring? = nil) {
        self.connection = connection
        self.deliveryRoot = deliveryRoot
        self.keyring = keyring
    }

    public static let kinds = DestinationKind.allCases.map(\.rawValue)

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
    /// `filenamePattern` and `naming` are a folder's file naming (kept in its settings for the channel).
    public func create(_ input: DestinationInput, actor: Actor, ownerID: UUID? = nil,
                       filenamePattern: String? = nil, naming: String? = nil) throws -> Destination {
        try checkCreator(actor)
        var input = input
        if let filenamePattern { input.setSetting("filename", filenamePattern) }
        if let naming { input.setSetting("naming", naming) }
        let valid = try validate(input, keeping: nil)
        let owner = actor.principal == nil ? ownerID : actor.userID
        let sealed = try seal(valid.secrets)
        return try atomically(connection) {
            let id: UUID = try connection.query("""
                INSERT INTO destinations (name, kind, settings, secret_encrypted, secret_key_id, secret_fields, owner_id)
                VALUES (\(valid.name), \(valid.kind.rawValue), \(valid.settingsJSON)::jsonb, \(sealed?.bytes), \(sealed?.keyID),
                        \(valid.secrets.keys.sorted())::text[], \(owner))
                RETURNING id
                """)[0].decode("id")
            let created = try get(id, actor: actor)
            try audit(actor, "destination.create", id, ["after": Self.describe(created)])
            return created
        }
    }

    /// Changes what `input` names: settings keys given replace the stored ones (a JSON null removes one), a blank
    /// secret keeps the stored one. `replacing` (an API PUT): the settings given are all the settings. A shared
    /// destination is changed only by an admin.
    public func update(_ id: UUID, _ input: DestinationInput, actor: Actor, replacing: Bool = false) throws -> Destination {
        let before = try checkMayChange(id, actor: actor)
        let stored = Stored(destination: before, secrets: try storedSecrets(id))
        let valid = try validate(input, keeping: stored, replacing: replacing)
        let sealed = try seal(valid.secrets)
        return try atomically(connection) {
            try connection.execute("""
                UPDATE destinations SET name = \(valid.name), kind = \(valid.kind.rawValue), settings = \(valid.settingsJSON)::jsonb,
                    secret_encrypted = \(sealed?.bytes), secret_key_id = \(sealed?.keyID), secret_fields = \(valid.secrets.keys.sorted())::text[],
                    updated_at = now()
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

    /// What a channel is built from, for a destination the actor may use (a connection test): its settings and its
    /// secrets unsealed, as JSON. Never shown to anyone.
    public func channelInputs(_ id: UUID, actor: Actor) throws -> (kind: String, settingsJSON: String, secretsJSON: String) {
        let destination = try get(id, actor: actor)
        return (destination.kind, destination.settingsJSON, try DestinationJSON.text(try storedSecrets(id)))
    }

    /// Stores the SFTP host key learned on the first successful connection, unless one is pinned meanwhile.
    public func pinHostKey(_ id: UUID, sha256: String) throws {
        try atomically(connection) {
            let pinned = try connection.query("""
                UPDATE destinations SET settings = settings || jsonb_build_object('host_key_sha256', \(sha256)::text), updated_at = now()
                WHERE id = \(id) AND kind = 'sftp' AND NOT settings ? 'host_key_sha256'
                RETURNING id
                """)
            if !pinned.isEmpty {
                try AuditLog(connection: connection).record(actorID: nil, actorLabel: "scheduler", action: "destination.pin_host_key",
                                                            subjectType: "destination", subjectID: id.uuidString.lowercased(),
                                                            details: ["host_key_sha256": sha256])
            }
        }
    }

    // MARK: Checking

    struct Stored {
        let destination: Destination
        let secrets: [String: String]
    }

    struct Valid {
        let name: String
        let kind: DestinationKind
        let settingsJSON: String
        let secrets: [String: String]
    }

    func validate(_ input: DestinationInput, keeping before: Stored?, replacing: Bool = false) throws -> Valid {
        var errors: [ValidationError] = []
        let name = input.name == nil && before != nil ? before!.destination.name : validatedName(input.name, into: &errors)
        let kindText = input.kind ?? before?.destination.kind ?? "folder"
        guard let kind = DestinationKind(rawValue: kindText) else {
            errors.append(ValidationError(field: "kind", message: "must be one of: \(Self.kinds.joined(separator: ", "))"))
            throw ValidationErrors(errors)
        }
        let sameKind = before?.destination.kind == kind.rawValue
        // Settings: the stored ones (same kind, not replacing), the given keys over them, the folder's path field.
        var settings: [String: Any] = sameKind && !replacing ? (try? DestinationJSON.object(before!.destination.settingsJSON)) ?? [:] : [:]
        if let text = input.settingsJSON {
            do {
                for (key, value) in try DestinationJSON.object(text) {
                    if value is NSNull { settings[key] = nil } else { settings[key] = value }
                }
            } catch { errors.append(ValidationError(field: "settings", message: "must be a JSON object")) }
        }
        if let path = input.path { settings["path"] = path }
        let secretFields = DestinationDefinitions.secretFields(kind)
        for key in settings.keys.sorted() where DestinationDefinitions.isSecretOnly(key, of: kind) {
            errors.append(ValidationError(field: "settings.\(key)", message: "is a secret: send it among the secrets, where it is stored encrypted"))
            settings[key] = nil
        }
        // Secrets: the stored ones (same kind), each given value over them; blank keeps, nil removes.
        var secrets = sameKind ? before!.secrets : [:]
        for (key, value) in input.secrets.sorted(by: { $0.key < $1.key }) {
            guard secretFields.contains(key) else {
                errors.append(ValidationError(field: "secrets.\(key)", message: "is not a secret of a \(kind.rawValue) destination (it has: \(secretFields.isEmpty ? "none" : secretFields.joined(separator: ", ")))"))
                continue
            }
            switch value {
            case nil: secrets[key] = nil
            case ""?: break
            case let value?: secrets[key] = value
            }
        }
        if kind == .folder {
            errors += checkFolder(&settings)
        } else if !errors.contains(where: { $0.field == "settings" }) {
            errors += DestinationDefinitions.validate(kind: kind, settingsJSON: try DestinationJSON.text(settings), secretsJSON: try DestinationJSON.text(secrets))
        }
        guard errors.isEmpty, let name else { throw ValidationErrors(errors) }
        return Valid(name: name, kind: kind, settingsJSON: try DestinationJSON.text(settings), secrets: secrets)
    }

    /// A folder: `path` below the delivery root (normalised in place), an optional file name pattern and naming.
    private func checkFolder(_ settings: inout [String: Any]) -> [ValidationError] {
        var errors: [ValidationError] = []
        do {
            let path = try DeliverySubfolder.normalize(settings["path"] as? String ?? "", field: "path")
            try refuseLinks(path)
            settings["path"] = path
        } catch let error as ValidationError {
            errors.append(error)
        } catch {
            errors.append(ValidationError(field: "path", message: "is not valid"))
        }
        if let filename = settings["filename"] {
            if let pattern = filename as? String, !pattern.isEmpty, !pattern.contains("/"), !pattern.contains("..") {} else {
                errors.append(ValidationError(field: "filename", message: "must be a file name pattern without / or .."))
            }
        }
        if let naming = settings["naming"], naming as? String != "overwrite", naming as? String != "timestamp" {
            errors.append(ValidationError(field: "naming", message: "must be overwrite or timestamp"))
        }
        let known: Set<String> = ["path", "filename", "naming"]
        for key in settings.keys.sorted() where !known.contains(key) {
            errors.append(ValidationError(field: "settings.\(key)", message: "is not a setting of a folder destination"))
        }
        return errors
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

    // MARK: Secrets

    private func seal(_ secrets: [String: String]) throws -> (bytes: [UInt8], keyID: String)? {
        guard !secrets.isEmpty else { return nil }
        guard let keyring else { throw Conflict("secrets cannot be stored here: no secret key was given") }
        return (keyring.seal(Array(try DestinationJSON.text(secrets).utf8)), keyring.currentID)
    }

    private func storedSecrets(_ id: UUID) throws -> [String: String] {
        guard let row = try connection.query("SELECT secret_encrypted, secret_key_id FROM destinations WHERE id = \(id)").first,
              let sealed = try row.decode("secret_encrypted", as: [UInt8]?.self) else { return [:] }
        guard let keyring else { throw Conflict("the destination's secrets cannot be read here: no secret key was given") }
        let opened = try keyring.open(sealed, keyID: try row.decode("secret_key_id", as: String?.self))
        return try DestinationJSON.strings(String(decoding: opened, as: UTF8.self))
    }

    // MARK: Rows

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

    /// Settings hold no secret (`validate` refuses one there); secrets appear by name only.
    static func describe(_ destination: Destination) -> String {
        "name=\(destination.name) kind=\(destination.kind) settings=\(destination.settingsJSON) secrets_set=\(destination.secretFields.joined(separator: ","))"
    }

    static let select: PostgresQuery = """
        SELECT d.id, d.name, d.kind, coalesce(d.settings->>'path', '') AS path, d.settings::text AS settings, array_to_string(d.secret_fields, ',') AS secret_fields,
               d.owner_id, d.created_at, d.updated_at
        FROM destinations d
        """

    static func record(_ row: PostgresRow) throws -> Destination {
        Destination(id: try row.decode("id"), name: try row.decode("name"), kind: try row.decode("kind"), path: try row.decode("path"),
                    settingsJSON: try row.decode("settings"),
                    secretFields: try row.decode("secret_fields", as: String.self).split(separator: ",").map(String.init),
                    ownerID: try row.decode("owner_id", as: UUID?.self),
                    createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}

/// Settings and secrets as JSON text: sorted keys, so a stored document reads the same every time.
enum DestinationJSON {
    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? [String: Any] else {
            throw ValidationError(field: "settings", message: "must be a JSON object")
        }
        return object
    }

    static func strings(_ text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    static func text(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
