/// An email distribution: who gets the report (To, CC, BCC), the subject and Markdown body (with the run's
/// placeholders), how files travel (attached, inline, or as links), and the SMTP server (the one an admin set up on
/// `/admin/email`, or this destination's own). Each recipient gets a delivery row of their own.
public enum EmailDestination: DestinationDefinition {
    public static let kind = DestinationKind.email

    public enum Attach: String, Codable, Sendable { case attachments, inline, links }
    public enum Oversize: String, Codable, Sendable { case zip, links }

    public struct Settings: Codable, Sendable, Equatable {
        public var to: [String]
        public var cc: [String]?
        public var bcc: [String]?
        public var subject: String?
        public var bodyMd: String?
        public var attach: Attach?
        /// The first 20 rows as a table in the HTML part.
        public var includeRows: Bool?
        /// Above `max_message_mb`: one zip, or links instead of files.
        public var oversize: Oversize?
        public var maxMessageMb: Int?
        /// nil: the server set up on `/admin/email`.
        public var smtp: SMTPServer?
    }

    public struct Secrets: Codable, Sendable, Equatable {
        /// The password of `smtp`'s login.
        public var smtpPassword: String?
    }

    public static let defaultSubject = "{report_name} for {date}"

    public static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError] {
        var errors: [ValidationError] = []
        let lists = [("to", settings.to), ("cc", settings.cc ?? []), ("bcc", settings.bcc ?? [])]
        for (name, list) in lists {
            for address in list {
                errors.collect {
                    do throws(ValidationError) { _ = try EmailAddress(address) } catch { throw ValidationError(field: "settings.\(name)", message: "\(address.debugDescription.prefix(80)) \(error.message)") }
                }
            }
        }
        if lists.allSatisfy({ $0.1.isEmpty }) { errors.append(ValidationError(field: "settings.to", message: "add at least one recipient")) }
        if let subject = settings.subject { errors.collect { try HeaderText.check(subject, field: "settings.subject", maximum: 500) } }
        if let size = settings.maxMessageMb, !(1...100).contains(size) {
            errors.append(ValidationError(field: "settings.max_message_mb", message: "must be between 1 and 100"))
        }
        if let smtp = settings.smtp { errors += smtp.validate(prefix: "settings.smtp.") }
        return errors
    }
}

/// An SMTP server: the system one (`/admin/email`) or a destination's own.
public struct SMTPServer: Codable, Sendable, Equatable {
    /// `starttls` (port 587), `tls` (implicit, port 465), or `plain` (a local relay on port 25).
    public enum Security: String, Codable, Sendable { case starttls, tls, plain }

    public var host: String
    public var port: Int?
    public var security: Security
    public var username: String?
    public var fromAddress: String
    public var fromName: String?

    public init(host: String, port: Int?, security: Security, username: String?, fromAddress: String, fromName: String?) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.fromAddress = fromAddress
        self.fromName = fromName
    }

    public var effectivePort: Int { port ?? (security == .tls ? 465 : security == .starttls ? 587 : 25) }

    public func validate(prefix: String = "") -> [ValidationError] {
        var errors: [ValidationError] = []
        errors.collect { try HostName.check(host, field: prefix + "host") }
        errors.collect { try HostName.checkPort(port, field: prefix + "port") }
        errors.collect { do throws(ValidationError) { _ = try EmailAddress(fromAddress) } catch { throw ValidationError(field: prefix + "from_address", message: error.message) } }
        if let fromName { errors.collect { try HeaderText.check(fromName, field: prefix + "from_name", maximum: 200) } }
        if let username { errors.collect { try HeaderText.check(username, field: prefix + "username", maximum: 200) } }
        return errors
    }

    /// Presets an admin picks from on `/admin/email`.
    public static let presets: [(name: String, host: String, port: Int, security: Security)] = [
        ("Gmail", "smtp.gmail.com", 587, .starttls),
        ("Outlook / Office 365", "smtp.office365.com", 587, .starttls),
        ("Yahoo", "smtp.mail.yahoo.com", 465, .tls),
    ]
}
