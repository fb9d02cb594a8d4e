/// What to do when the target name already exists on the server.
public enum IfExists: String, Codable, Sendable {
    case overwrite
    /// Keep the old file; add the run's timestamp to the new name.
    case timestamp
    /// Fail the delivery (the history says so).
    case fail
}

/// An SFTP server: password or private-key login, the server's host key pinned (configured, or learned on the first
/// successful connection), files uploaded to a temporary name and renamed into place under `path`.
public enum SFTPDestination: DestinationDefinition {
    public static let kind = DestinationKind.sftp

    public struct Settings: RemoteFileSettings, Codable, Sendable, Equatable {
        public var host: String
        public var port: Int?
        public var username: String
        public var path: String?
        public var filename: String?
        public var ifExists: IfExists?
        /// `SHA256:` + base64 of the SHA-256 of the host key blob (as `ssh-keygen -lf` prints it, without `SHA256:` too).
        public var hostKeySha256: String?
    }

    public struct Secrets: Codable, Sendable, Equatable {
        public var password: String?
        /// A private key in PEM or OpenSSH format.
        public var privateKey: String?
        public var passphrase: String?
    }

    public static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError] {
        var errors = RemoteServer.validate(settings)
        if (secrets.password ?? "").isEmpty && (secrets.privateKey ?? "").isEmpty {
            errors.append(ValidationError(field: "secrets.password", message: "enter a password or a private key"))
        }
        if let key = secrets.privateKey, !key.isEmpty, !key.contains("PRIVATE KEY-----") {
            errors.append(ValidationError(field: "secrets.private_key", message: "must be a PEM or OpenSSH private key"))
        }
        return errors
    }
}

/// An FTP server, plain or FTPS (explicit `AUTH TLS`, or implicit TLS on its own port), passive mode.
public enum FTPDestination: DestinationDefinition {
    public static let kind = DestinationKind.ftp

    public enum Security: String, Codable, Sendable { case none, explicit, implicit }

    public struct Settings: RemoteFileSettings, Codable, Sendable, Equatable {
        public var host: String
        public var port: Int?
        public var username: String
        public var path: String?
        public var filename: String?
        public var ifExists: IfExists?
        public var tls: Security?
    }

    public struct Secrets: Codable, Sendable, Equatable {
        public var password: String?
    }

    public static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError] {
        RemoteServer.validate(settings)
    }
}

/// What SFTP and FTP destinations share: a login on a server, a base folder and a file name pattern under it.
public protocol RemoteFileSettings: Sendable {
    var host: String { get }
    var port: Int? { get }
    var username: String { get }
    /// The base folder on the server (absolute, or relative to the login's home).
    var path: String? { get }
    /// The file's place under `path`, a `RemotePathPattern`; default `{report_name}_{date}_{time}.{format}`.
    var filename: String? { get }
    var ifExists: IfExists? { get }
}

enum RemoteServer {
    static func validate(_ settings: some RemoteFileSettings) -> [ValidationError] {
        var errors: [ValidationError] = []
        let username = settings.username
        errors.collect { try HostName.check(settings.host, field: "settings.host") }
        errors.collect { try HostName.checkPort(settings.port, field: "settings.port") }
        if username.isEmpty || username.unicodeScalars.contains(where: HeaderText.isForbidden) || username.contains("@") && username.contains(":") {
            errors.append(ValidationError(field: "settings.username", message: "is required, on one line"))
        }
        if let path = settings.path { errors.collect { _ = try RemoteBase.normalize(path, field: "settings.path") } }
        if let filename = settings.filename { errors.collect { _ = try RemotePathPattern(filename, field: "settings.filename") } }
        return errors
    }
}
