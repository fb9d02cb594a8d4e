import Foundation
import HeraldCore
import HeraldStore

/// The fields of each kind's destination form, named as the service names its errors (`settings.host`,
/// `secrets.password`; a folder's `path`), so every error shows beside its field. Secrets are password inputs that
/// never show a value: the page says whether one is set, and a blank field keeps it.
struct DestinationField: Sendable {
    enum Input: Sendable, Equatable { case text, number, list, textarea, checkbox, select([(String, String)]), secret, secretText
        static func == (a: Input, b: Input) -> Bool { String(describing: a) == String(describing: b) }
    }
    let name: String
    let label: String
    let hint: String?
    let input: Input

    init(_ name: String, _ label: String, _ input: Input = .text, hint: String? = nil) {
        self.name = name
        self.label = label
        self.input = input
        self.hint = hint
    }

    var isSecret: Bool { input == .secret || input == .secretText }
    /// The secret's name (`password`) or the setting's path (`["smtp", "host"]`).
    var path: [String] { name.split(separator: ".").dropFirst().map(String.init) }
}

enum DestinationFormFields {
    static let kindLabels: [(DestinationKind, String)] = [
        (.folder, "Folder"), (.email, "Email"), (.sftp, "SFTP"), (.ftp, "FTP / FTPS"), (.s3, "Amazon S3"),
        (.gcs, "Google Cloud Storage"), (.azure, "Azure Blob"), (.webhook, "Webhook / Slack / Teams"),
    ]

    static func label(_ kind: String) -> String { kindLabels.first { $0.0.rawValue == kind }?.1 ?? kind }

    static let ifExists: DestinationField.Input = .select([("overwrite", "Replace it"), ("timestamp", "Add the run's time to the new name"), ("fail", "Fail the delivery")])
    static let remoteFile = "A pattern such as {report_name}/{date:yyyy/MM}/{report_name}_{date}.{format}; each value is made safe for a path."
    static let objectStorage: [DestinationField] = [
        DestinationField("settings.bucket", "Bucket"),
        DestinationField("settings.region", "Region", hint: "us-east-1; for Google Cloud Storage: auto"),
        DestinationField("settings.endpoint", "Endpoint", hint: "Leave blank for AWS. https://storage.googleapis.com, or your MinIO / S3-compatible server"),
        DestinationField("settings.path_style", "Path-style URLs (https://endpoint/bucket/key)", .checkbox),
        DestinationField("settings.key", "Object key", hint: remoteFile),
        DestinationField("settings.content_type", "Content type", hint: "Leave blank to use the file's format"),
        DestinationField("settings.server_side_encryption", "Server-side encryption", .select([("", "None"), ("AES256", "AES256"), ("aws:kms", "aws:kms")])),
        DestinationField("settings.multipart_threshold_mb", "Multipart upload above (MB)", .number, hint: "Default \(ObjectStorageDestination.defaultMultipartThresholdMb), at least 5"),
        DestinationField("secrets.access_key_id", "Access key id", .secret),
        DestinationField("secrets.secret_access_key", "Secret access key", .secret),
    ]

    static func fields(_ kind: DestinationKind, root: String) -> [DestinationField] {
        switch kind {
        case .folder:
            return [DestinationField("path", "Sub-folder", hint: "Relative to \(root), for example sales/weekly. No .., no absolute paths.")]
        case .email:
            return [
                DestinationField("settings.to", "To", .list, hint: "Addresses separated by commas"),
                DestinationField("settings.cc", "CC", .list),
                DestinationField("settings.bcc", "BCC", .list, hint: "Receive the message without appearing in it"),
                DestinationField("settings.subject", "Subject", hint: "Default: {report_name} for {date}. Placeholders: {report_name} {schedule_name} {date} {time} {row_count}"),
                DestinationField("settings.body_md", "Message (Markdown)", .textarea),
                DestinationField("settings.attach", "Files", .select([("attachments", "Attached"), ("inline", "Inline"), ("links", "As download links")])),
                DestinationField("settings.include_rows", "Show the first 20 rows in the message", .checkbox),
                DestinationField("settings.oversize", "When the files are too large", .select([("zip", "Zip them"), ("links", "Send download links")])),
                DestinationField("settings.max_message_mb", "Largest message (MB)", .number, hint: "Default 10"),
                DestinationField("settings.smtp.host", "Own SMTP server", hint: "Leave blank to use the server an admin set up"),
                DestinationField("settings.smtp.port", "SMTP port", .number),
                DestinationField("settings.smtp.security", "SMTP security", .select([("starttls", "STARTTLS (587)"), ("tls", "TLS (465)"), ("plain", "None: a local relay (25)")])),
                DestinationField("settings.smtp.username", "SMTP user name"),
                DestinationField("secrets.smtp_password", "SMTP password", .secret),
                DestinationField("settings.smtp.from_address", "From address"),
                DestinationField("settings.smtp.from_name", "From name"),
            ]
        case .sftp:
            return [
                DestinationField("settings.host", "Host"), DestinationField("settings.port", "Port", .number, hint: "Default 22"),
                DestinationField("settings.username", "User name"),
                DestinationField("settings.path", "Folder on the server"), DestinationField("settings.filename", "File name", hint: remoteFile),
                DestinationField("settings.if_exists", "When the file exists", ifExists),
                DestinationField("settings.host_key_sha256", "Host key (SHA256)", hint: "As ssh-keygen -lf prints it; left blank, the key seen on the first successful connection is pinned"),
                DestinationField("secrets.password", "Password", .secret),
                DestinationField("secrets.private_key", "Private key", .secretText, hint: "PEM or OpenSSH format; instead of or beside a password"),
                DestinationField("secrets.passphrase", "Key passphrase", .secret),
            ]
        case .ftp:
            return [
                DestinationField("settings.host", "Host"), DestinationField("settings.port", "Port", .number, hint: "Default 21, or 990 for implicit TLS"),
                DestinationField("settings.tls", "TLS", .select([("explicit", "Explicit (AUTH TLS)"), ("implicit", "Implicit (FTPS)"), ("none", "None")])),
                DestinationField("settings.username", "User name"),
                DestinationField("settings.path", "Folder on the server"), DestinationField("settings.filename", "File name", hint: remoteFile),
                DestinationField("settings.if_exists", "When the file exists", ifExists),
                DestinationField("secrets.password", "Password", .secret),
            ]
        case .s3, .gcs:
            return objectStorage
        case .azure:
            return [
                DestinationField("settings.container_url", "Container URL", hint: "https://account.blob.core.windows.net/container"),
                DestinationField("settings.path", "Blob name", hint: remoteFile),
                DestinationField("settings.content_type", "Content type"),
                DestinationField("secrets.sas_token", "SAS token", .secret),
            ]
        case .webhook:
            return [
                DestinationField("settings.preset", "Kind", .select([("none", "Webhook"), ("slack", "Slack"), ("teams", "Microsoft Teams")])),
                DestinationField("settings.url", "URL", hint: "For a webhook; Slack and Teams take their URL below, as a secret"),
                DestinationField("secrets.url", "Incoming-webhook URL (Slack, Teams)", .secret),
                DestinationField("settings.payload", "Send", .select([("summary", "A JSON summary with links"), ("files", "The files (multipart/form-data)")])),
                DestinationField("settings.auth", "Authentication", .select([("none", "None"), ("bearer", "Bearer token"), ("basic", "Basic"), ("header", "API key header")])),
                DestinationField("settings.header_name", "Header name", hint: "For an API key header, such as X-API-Key"),
                DestinationField("settings.username", "User name", hint: "For basic authentication"),
                DestinationField("secrets.token", "Token or password", .secret),
                DestinationField("secrets.signing_secret", "Signing secret", .secret, hint: "Signs each request (X-Herald-Signature)"),
                DestinationField("settings.expect_status", "Accepted statuses", hint: "Default 200-299"),
                DestinationField("settings.expect_body", "Response must contain"),
            ]
        }
    }

    /// The posted form as the service's input: blank settings are left out (a form replaces all settings), blank
    /// secrets keep the stored value, a ticked "remove" removes one.
    static func input(kind: DestinationKind, posted: PostedForm, root: String) -> DestinationInput {
        var input = DestinationInput(name: posted["name"], kind: kind.rawValue)
        var settings: [String: Any] = [:]
        for field in fields(kind, root: root) {
            let raw = posted[field.name].trimmingCharacters(in: field.input == .textarea || field.isSecret ? .init() : .whitespaces)
            if field.name == "path" { input.path = raw; continue }
            if field.isSecret {
                let name = field.path.joined(separator: ".")
                if posted[field.name + ".remove"] == "on" { input.secrets[name] = String?.none } else if !raw.isEmpty { input.secrets[name] = raw }
                continue
            }
            let value: Any?
            switch field.input {
            case .checkbox: value = raw == "on" ? true : nil
            case .number: value = raw.isEmpty ? nil : (Int(raw).map { $0 as Any } ?? raw)
            case .list:
                let items = raw.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                value = items.isEmpty ? nil : items
            default: value = raw.isEmpty ? nil : raw
            }
            if let value { set(value, at: field.path[...], in: &settings) }
        }
        // An email's own server is given by its host: without one, the server an admin set up is used.
        if kind == .email, (settings["smtp"] as? [String: Any])?["host"] == nil { settings["smtp"] = nil }
        if let data = try? JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys]) {
            input.settingsJSON = String(decoding: data, as: UTF8.self)
        }
        return input
    }

    /// A stored destination's settings as form values (`settings.smtp.host` → "smtp.example.org").
    static func values(settingsJSON: String, path: String) -> [String: String] {
        var values: [String: String] = ["path": path]
        func walk(_ object: [String: Any], _ prefix: String) {
            for (key, value) in object {
                switch value {
                case let nested as [String: Any]: walk(nested, prefix + key + ".")
                case let list as [Any]: values[prefix + key] = list.map { "\($0)" }.joined(separator: ", ")
                case let number as NSNumber where StoredJSON.isBoolean(number): values[prefix + key] = number.boolValue ? "on" : ""
                default: values[prefix + key] = "\(value)"
                }
            }
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(settingsJSON.utf8)) as? [String: Any] { walk(object, "settings.") }
        return values
    }

    private static func set(_ value: Any, at path: ArraySlice<String>, in object: inout [String: Any]) {
        guard let key = path.first else { return }
        if path.count == 1 { object[key] = value; return }
        var child = object[key] as? [String: Any] ?? [:]
        set(value, at: path.dropFirst(), in: &child)
        object[key] = child
    }
}
