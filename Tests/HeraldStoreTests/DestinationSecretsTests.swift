import Crypto
import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Destinations of every kind: settings checked per kind, secrets sealed under a key id and write-only (names come
/// back, values never: not in a record, the audit log or the stored bytes), a blank secret keeping the stored one,
/// and `SecretRotation` re-sealing destinations and data sources under a new key while the old one is given.
struct DestinationSecretsTests {
    typealias Fixture = CatalogServiceTests.Fixture

    static let canary = "canary-Secret-4f1e9a"

    @Test func secretsAreSealedWriteOnlyAndKeptWhenBlank() throws {
        let f = try Fixture()
        let keyring = try SecretKeyring(current: SecretBox.generateKey())
        let service = f.service(keyring)
        let created = try service.create(DestinationInput(
            name: "Finance SFTP", kind: "sftp",
            settingsJSON: #"{"host":"sftp.example.org","port":2222,"username":"herald","path":"/upload","if_exists":"timestamp"}"#,
            secrets: ["password": Self.canary]), actor: f.alice)
        #expect(created.kind == "sftp" && created.secretFields == ["password"])
        #expect(created.settingsJSON.contains(#""port": 2222"#) || created.settingsJSON.contains(#""port":2222"#))
        #expect(!(try f.storedText()).contains(Self.canary))
        let keyID: String = try f.connection.query("SELECT secret_key_id FROM destinations WHERE id = \(created.id)")[0].decode("secret_key_id")
        #expect(keyID == keyring.currentID)
        #expect(try service.channelInputs(created.id, actor: f.alice).secretsJSON == #"{"password":"\#(Self.canary)"}"#)

        // A blank secret keeps the stored one; settings keys given replace only themselves; null removes a setting.
        let renamed = try service.update(created.id, DestinationInput(name: "Finance", settingsJSON: #"{"port":22,"if_exists":null}"#,
                                                                     secrets: ["password": ""]), actor: f.alice)
        #expect(renamed.secretFields == ["password"])
        #expect(!renamed.settingsJSON.contains("if_exists") && renamed.settingsJSON.contains("sftp.example.org"))
        #expect(try service.channelInputs(created.id, actor: f.alice).secretsJSON.contains(Self.canary))

        // A key replaces the password; removing the password leaves the key.
        let keyed = try service.update(created.id, DestinationInput(secrets: ["private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
                                                                            "password": String?.none]), actor: f.alice)
        #expect(keyed.secretFields == ["private_key"])
        // Without any credential the destination is refused, and nothing stored changes.
        let refused = #expect(throws: ValidationErrors.self) {
            try service.update(created.id, DestinationInput(secrets: ["private_key": String?.none]), actor: f.alice)
        }
        #expect(refused?.errors.map(\.field) == ["secrets.password"])
        #expect(try service.get(created.id, actor: f.alice).secretFields == ["private_key"])
        #expect(!(try f.storedText()).contains(Self.canary))
    }

    @Test func secretsAndSettingsAreCheckedPerKind() throws {
        let f = try Fixture()
        let service = f.service(try SecretKeyring(current: SecretBox.generateKey()))
        func fields(_ input: DestinationInput) -> [String] {
            let error = #expect(throws: ValidationErrors.self) { try service.create(input, actor: f.alice) }
            return error?.errors.map(\.field) ?? []
        }
        // A secret sent among the settings is refused (settings are shown to everyone who may use the destination).
        #expect(fields(DestinationInput(name: "w", kind: "webhook", settingsJSON: #"{"url":"https://hooks.example.org/x","signing_secret":"s"}"#))
                == ["settings.signing_secret"])
        // A secret the kind does not have is refused by name.
        #expect(fields(DestinationInput(name: "w", kind: "webhook", settingsJSON: #"{"url":"https://hooks.example.org/x"}"#,
                                        secrets: ["password": "p"])) == ["secrets.password"])
        #expect(fields(DestinationInput(name: "m", kind: "email", settingsJSON: #"{"to":["a@example.org"],"subject":"Sales\r\nBcc: x@y"}"#))
                == ["settings.subject"])
        #expect(fields(DestinationInput(name: "s3", kind: "s3", settingsJSON: #"{"bucket":"Bad_Bucket"}"#, secrets: ["access_key_id": "AK", "secret_access_key": "SK"]))
                == ["settings.bucket"])
        #expect(fields(DestinationInput(name: "f", kind: "folder", settingsJSON: #"{"path":"ok","host":"x"}"#)) == ["settings.host"])
        #expect(fields(DestinationInput(name: "x", kind: "email", settingsJSON: "[1]")).contains("settings"))
        #expect(try f.connection.query("SELECT count(*)::int AS n FROM destinations")[0].decode("n", as: Int.self) == 0)
        // A change of kind drops the old kind's settings and secrets.
        let hook = try service.create(DestinationInput(name: "w", kind: "webhook", settingsJSON: #"{"url":"https://hooks.example.org/x"}"#,
                                                       secrets: ["signing_secret": "s"]), actor: f.alice)
        let folder = try service.update(hook.id, DestinationInput(kind: "folder", path: "team/out"), actor: f.alice)
        #expect(folder.kind == "folder" && folder.path == "team/out" && folder.secretFields.isEmpty && !folder.settingsJSON.contains("hooks"))
    }

    @Test func rotationReSealsUnderTheNewKey() throws {
        let f = try Fixture()
        let old = SecretBox.generateKey(), new = SecretBox.generateKey()
        let before = try SecretKeyring(current: old)
        let destination = try f.service(before).create(DestinationInput(
            name: "Hook", kind: "webhook", settingsJSON: #"{"url":"https://hooks.example.org/x","auth":"bearer"}"#,
            secrets: ["token": Self.canary]), actor: f.admin)
        let source = try DataSourceRepository(connection: f.connection, keyring: before).create(name: "src", url: "postgresql:///reporting")

        // Only the new key: what the old one sealed cannot be opened, and says which key it needs.
        let newOnly = try SecretKeyring(current: new)
        #expect(throws: (any Error).self) { try f.service(newOnly).channelInputs(destination.id, actor: f.admin) }

        let during = try SecretKeyring(current: new, previous: old)
        #expect(try SecretRotation(connection: f.connection, keyring: during).pending() == 2)
        #expect(try f.service(during).channelInputs(destination.id, actor: f.admin).secretsJSON.contains(Self.canary))
        let outcome = try SecretRotation(connection: f.connection, keyring: during).rotate(batchSize: 1)
        #expect(outcome == SecretRotation.Outcome(destinations: 1, dataSources: 1))
        #expect(try SecretRotation(connection: f.connection, keyring: during).rotate() == SecretRotation.Outcome())

        // After the rotation the old key is no longer needed.
        #expect(try f.service(newOnly).channelInputs(destination.id, actor: f.admin).secretsJSON.contains(Self.canary))
        #expect(try DataSourceRepository(connection: f.connection, keyring: newOnly).connectionURL(id: source) == "postgresql:///reporting")
        #expect(throws: (any Error).self) { try f.service(before).channelInputs(destination.id, actor: f.admin) }
        #expect(!(try f.storedText()).contains(Self.canary))
    }
}

extension CatalogServiceTests.Fixture {
    func service(_ keyring: SecretKeyring) -> DestinationService {
        DestinationService(connection: connection, deliveryRoot: root, keyring: keyring)
    }

    /// Everything stored about destinations and the audit trail, as text: a secret must appear nowhere in it.
    func storedText() throws -> String {
        try connection.query("""
            SELECT coalesce((SELECT string_agg(d::text, ' ') FROM destinations d), '') || ' ' ||
                   coalesce((SELECT string_agg(a::text, ' ') FROM audit_log a), '') AS t
            """)[0].decode("t")
    }
}
