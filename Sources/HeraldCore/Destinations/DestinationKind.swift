import Foundation

/// What a destination delivers to. Slack and Microsoft Teams are webhooks with a preset.
public enum DestinationKind: String, CaseIterable, Codable, Sendable {
    case folder, email, sftp, ftp, s3, gcs, azure, webhook
}

/// A kind's settings (stored as JSON in `destinations.settings`, shown on pages and in the API) and its secrets
/// (sealed in `destinations.secret_encrypted`, never shown: only whether each is set). Both decode from JSON with
/// snake_case keys; every secret field is optional, so a form left blank keeps the stored value.
public protocol DestinationDefinition: Sendable {
    associatedtype Settings: Codable & Sendable
    associatedtype Secrets: Codable & Sendable
    static var kind: DestinationKind { get }
    /// Field errors, named `settings.<field>` or `secrets.<field>` so a form shows each beside its field. `secrets` is
    /// what will be stored (the stored values merged with the new ones).
    static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError]
}

/// Checks a destination's settings and secrets for its kind (the service calls this when saving; the channel
/// decodes the same types when delivering).
public enum DestinationDefinitions {
    /// The errors of `settingsJSON` and `secretsJSON` for `kind`; an undecodable document is one error.
    public static func validate(kind: DestinationKind, settingsJSON: String, secretsJSON: String) -> [ValidationError] {
        switch kind {
        case .folder: return []
        case .email: return check(EmailDestination.self, settingsJSON, secretsJSON)
        case .sftp: return check(SFTPDestination.self, settingsJSON, secretsJSON)
        case .ftp: return check(FTPDestination.self, settingsJSON, secretsJSON)
        case .s3, .gcs: return check(ObjectStorageDestination.self, settingsJSON, secretsJSON)
        case .azure: return check(AzureBlobDestination.self, settingsJSON, secretsJSON)
        case .webhook: return check(WebhookDestination.self, settingsJSON, secretsJSON)
        }
    }

    /// Names of the secret fields a kind has (pages show "set" / "not set" for each).
    public static func secretFields(_ kind: DestinationKind) -> [String] {
        switch kind {
        case .folder: return []
        case .email: return fields(of: EmailDestination.Secrets.self)
        case .sftp: return fields(of: SFTPDestination.Secrets.self)
        case .ftp: return fields(of: FTPDestination.Secrets.self)
        case .s3, .gcs: return fields(of: ObjectStorageDestination.Secrets.self)
        case .azure: return fields(of: AzureBlobDestination.Secrets.self)
        case .webhook: return fields(of: WebhookDestination.Secrets.self)
        }
    }

    /// A secret's name that is not also a setting's: sent among the settings, it is refused (settings are shown).
    /// A webhook's `url` is a setting, and for the Slack and Teams presets a secret.
    public static func isSecretOnly(_ key: String, of kind: DestinationKind) -> Bool {
        secretFields(kind).contains(key) && !(kind == .webhook && key == "url")
    }

    public static func decode<D: DestinationDefinition>(_ type: D.Type, settingsJSON: String, secretsJSON: String) throws -> (D.Settings, D.Secrets) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return (try decoder.decode(D.Settings.self, from: Data(settingsJSON.utf8)),
                try decoder.decode(D.Secrets.self, from: Data(secretsJSON.isEmpty ? "{}".utf8 : secretsJSON.utf8)))
    }

    private static func check<D: DestinationDefinition>(_ type: D.Type, _ settingsJSON: String, _ secretsJSON: String) -> [ValidationError] {
        do {
            let (settings, secrets) = try decode(type, settingsJSON: settingsJSON, secretsJSON: secretsJSON)
            return D.validate(settings, secrets: secrets)
        } catch let DecodingError.keyNotFound(key, _) {
            return [ValidationError(field: "settings.\(snake(key.stringValue))", message: "is required")]
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { snake($0.stringValue) }.joined(separator: ".")
            return [ValidationError(field: "settings.\(path)", message: "has the wrong type")]
        } catch let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map { snake($0.stringValue) }.joined(separator: ".")
            return [ValidationError(field: path.isEmpty ? "settings" : "settings.\(path)", message: "is not valid")]
        } catch {
            return [ValidationError(field: "settings", message: "must be a JSON object")]
        }
    }

    /// The keys an empty `Secrets` encodes with every field set: found by decoding `{}` and mirroring.
    private static func fields<S: Codable>(of type: S.Type) -> [String] {
        guard let empty = try? JSONDecoder().decode(S.self, from: Data("{}".utf8)) else { return [] }
        return Mirror(reflecting: empty).children.compactMap(\.label).map(snake)
    }

    static func snake(_ name: String) -> String {
        var out = ""
        for c in name {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
