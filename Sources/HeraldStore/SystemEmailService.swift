import Crypto
import Foundation
import HeraldCore
import Postgres

/// The admin's SMTP server (`/admin/email`, `/api/v1/admin/email`): the one email destinations without a server of
/// their own and owner alerts send through. Admins only; the password is sealed under the secret key and write-only
/// (a blank one keeps the stored one, `removePassword` clears it); the audit log names what changed, never the
/// password. `load()` is what the processes (worker, connection tests) read, without an actor.
public struct SystemEmailService {
    let connection: PostgresConnection
    /// Seals and opens the password; nil only where no password is stored or read.
    let keyring: SecretKeyring?

    public init(connection: PostgresConnection, keyring: SecretKeyring?) {
        self.connection = connection
        self.keyring = keyring
    }

    /// What an admin sees: the server, and whether a password is stored.
    public struct Setup: Sendable, Equatable {
        public let server: SMTPServer
        public let passwordSet: Bool
        public let updatedAt: Date
    }

    /// What a form or an API body gives: text as typed (the port too), `password` nil or blank to keep the stored one.
    public struct Input: Sendable, Equatable {
        public var host: String
        public var port: String
        public var security: String
        public var username: String
        public var fromAddress: String
        public var fromName: String
        public var password: String?
        public var removePassword: Bool

        public init(host: String = "", port: String = "", security: String = "starttls", username: String = "", fromAddress: String = "",
                    fromName: String = "", password: String? = nil, removePassword: Bool = false) {
            self.host = host
            self.port = port
            self.security = security
            self.username = username
            self.fromAddress = fromAddress
            self.fromName = fromName
            self.password = password
            self.removePassword = removePassword
        }
    }

    /// nil: no server is set up yet.
    public func get(actor: Actor) throws -> Setup? {
        try checkAdmin(actor)
        return try stored().map { Setup(server: $0.server, passwordSet: $0.sealed != nil, updatedAt: $0.updatedAt) }
    }

    /// Checks every field (errors by field: host, port, security, username, from_address, from_name, password) and
    /// stores the server, replacing the one set up before.
    @discardableResult
    public func save(_ input: Input, actor: Actor) throws -> Setup {
        try checkAdmin(actor)
        let before = try stored()
        let server = try validate(input)
        var sealed: (bytes: [UInt8], keyID: String?)? = before?.sealed
        if input.removePassword {
            sealed = nil
        } else if let password = input.password, !password.isEmpty {
            guard let keyring else { throw Conflict("the password cannot be stored here: no secret key was given") }
            sealed = (keyring.seal(Array(password.utf8)), keyring.currentID)
        }
        return try atomically(connection) {
            try connection.execute("""
                INSERT INTO system_email (host, port, security, username, from_address, from_name, password_encrypted, password_key_id, updated_by)
                VALUES (\(server.host), \(server.port), \(server.security.rawValue), \(server.username), \(server.fromAddress), \(server.fromName),
                        \(sealed?.bytes), \(sealed?.keyID), \(actor.userID))
                ON CONFLICT (singleton) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
                    username = excluded.username, from_address = excluded.from_address, from_name = excluded.from_name,
                    password_encrypted = excluded.password_encrypted, password_key_id = excluded.password_key_id,
                    updated_by = excluded.updated_by, updated_at = now()
                """)
            guard let after = try stored() else { throw Conflict("the SMTP server was not stored") }
            var details = ["after": Self.describe(after.server, passwordSet: after.sealed != nil)]
            if let before { details["before"] = Self.describe(before.server, passwordSet: before.sealed != nil) }
            try AuditLog(connection: connection).record(actorID: actor.userID, actorLabel: actor.label, action: "system_email.update",
                                                        subjectType: "system_email", subjectID: nil, details: details)
            return Setup(server: after.server, passwordSet: after.sealed != nil, updatedAt: after.updatedAt)
        }
    }

    /// The server and its password unsealed, for a process that sends through it; nil when none is set up.
    public func load() throws -> (server: SMTPServer, password: String?)? {
        guard let row = try stored() else { return nil }
        guard let sealed = row.sealed else { return (row.server, nil) }
        guard let keyring else { throw Conflict("the SMTP password cannot be read here: no secret key was given") }
        return (row.server, String(decoding: try keyring.open(sealed.bytes, keyID: sealed.keyID), as: UTF8.self))
    }

    // MARK: Checking

    func validate(_ input: Input) throws -> SMTPServer {
        var errors: [ValidationError] = []
        func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespaces) }
        let security = SMTPServer.Security(rawValue: trimmed(input.security))
        if security == nil { errors.append(ValidationError(field: "security", message: "must be starttls, tls or plain")) }
        var port: Int?
        if !trimmed(input.port).isEmpty {
            port = Int(trimmed(input.port))
            if port == nil { errors.append(ValidationError(field: "port", message: "must be a number between 1 and 65535")) }
        }
        // Every value that reaches a header or the SMTP dialogue is one line, whatever `SMTPServer.validate` checks.
        let fields = [("host", input.host), ("username", input.username), ("from_address", input.fromAddress), ("from_name", input.fromName)]
        var broken: Set<String> = []
        for (field, value) in fields where value.unicodeScalars.contains(where: HeaderText.isForbidden) {
            errors.append(ValidationError(field: field, message: "must be one line (no line breaks or control characters)"))
            broken.insert(field)
        }
        if let password = input.password, password.unicodeScalars.contains(where: HeaderText.isForbidden) {
            errors.append(ValidationError(field: "password", message: "must not contain line breaks or control characters"))
        }
        if trimmed(input.host).isEmpty {
            errors.append(ValidationError(field: "host", message: "enter the SMTP server's host name"))
            broken.insert("host")
        }
        if trimmed(input.fromAddress).isEmpty {
            errors.append(ValidationError(field: "from_address", message: "enter the address emails are sent from"))
            broken.insert("from_address")
        }
        let server = SMTPServer(host: trimmed(input.host), port: port, security: security ?? .starttls,
                                username: trimmed(input.username).isEmpty ? nil : trimmed(input.username),
                                fromAddress: trimmed(input.fromAddress), fromName: trimmed(input.fromName).isEmpty ? nil : trimmed(input.fromName))
        for error in server.validate() where !broken.contains(error.field) && !(error.field == "port" && port == nil) {
            errors.append(error)
        }
        guard errors.isEmpty else { throw ValidationErrors(errors) }
        return server
    }

    static func describe(_ server: SMTPServer, passwordSet: Bool) -> String {
        "host=\(server.host) port=\(server.port.map(String.init) ?? "default") security=\(server.security.rawValue) "
            + "username=\(server.username ?? "") from_address=\(server.fromAddress) from_name=\(server.fromName ?? "") password_set=\(passwordSet)"
    }

    // MARK: Rows

    struct Stored {
        let server: SMTPServer
        let sealed: (bytes: [UInt8], keyID: String?)?
        let updatedAt: Date
    }

    func stored() throws -> Stored? {
        guard let row = try connection.query("""
            SELECT host, port, security, username, from_address, from_name, password_encrypted, password_key_id, updated_at FROM system_email
            """).first else { return nil }
        let security = SMTPServer.Security(rawValue: try row.decode("security")) ?? .starttls
        let server = SMTPServer(host: try row.decode("host"), port: try row.decode("port", as: Int?.self), security: security,
                                username: try row.decode("username", as: String?.self), fromAddress: try row.decode("from_address"),
                                fromName: try row.decode("from_name", as: String?.self))
        let sealed = try row.decode("password_encrypted", as: [UInt8]?.self).map { ($0, try row.decode("password_key_id", as: String?.self)) }
        return Stored(server: server, sealed: sealed, updatedAt: try row.decode("updated_at"))
    }

    private func checkAdmin(_ actor: Actor) throws {
        guard actor.isAdmin else { throw Forbidden("Only admins may see and change the SMTP server.") }
    }
}
