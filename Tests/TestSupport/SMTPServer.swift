import Foundation

/// SMTP on 127.0.0.1: `port` takes mail without AUTH; `startTLSPort` requires STARTTLS, then AUTH PLAIN or LOGIN as
/// `user`/`password`; `smtpsPort` speaks implicit TLS (SMTPS) without AUTH; both with a certificate that `caPath`
/// verifies. A recipient whose local part starts with `reject` is refused with `550 5.1.1`, one starting with
/// `tempfail` with `451 4.3.0`; a message to a recipient starting with `refusedata` is refused after DATA with `554`;
/// a sender starting with `oneperconnection` gets `421` (and a closed connection) for a second message on a connection.
public struct SMTPServer: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    public let startTLSPort: Int
    public let smtpsPort: Int
    public let user = "herald"
    public let password: String
    /// Where both servers write `<n>.eml` (the bytes received) and then `<n>.json`, numbered in arrival order.
    public let maildir: String
    public let caPath: String

    /// The message numbered `number`, once its `.json` is there (at most `timeout` seconds).
    public func waitForMessage(number: Int, timeout: Double = 10) throws -> ReceivedMail {
        try pollUntil(timeout: timeout, what: "message \(number) in \(maildir)") { try message(number: number) }
    }

    /// The first message that `matches` (say, one to this test's own recipient), waiting at most `timeout` seconds.
    public func waitForMessage(timeout: Double = 10, where matches: (ReceivedMail) -> Bool) throws -> ReceivedMail {
        try pollUntil(timeout: timeout, what: "a matching message in \(maildir)") { try messages().first(where: matches) }
    }

    /// Every message stored so far, oldest first.
    public func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: maildir)
        let numbers = names.compactMap { $0.hasSuffix(".json") ? Int($0.dropLast(5)) : nil }.sorted()
        return try numbers.compactMap { try message(number: $0) }
    }

    func message(number: Int) throws -> ReceivedMail? {
        let base = URL(fileURLWithPath: maildir).appendingPathComponent(String(number))
        guard let meta = try? Data(contentsOf: base.appendingPathExtension("json")) else { return nil }
        let envelope = try JSONDecoder().decode(Envelope.self, from: meta)
        let raw = try Data(contentsOf: base.appendingPathExtension("eml"))
        return ReceivedMail(number: number, mailFrom: envelope.mail_from, recipients: envelope.rcpt_tos,
                            server: envelope.server, connection: envelope.connection, raw: [UInt8](raw))
    }

    private struct Envelope: Decodable {
        let mail_from: String
        let rcpt_tos: [String]
        let server: String
        let connection: Int
    }
}

/// One message as the test SMTP server accepted it.
public struct ReceivedMail: Sendable {
    public let number: Int
    public let mailFrom: String
    /// The accepted recipients only (refused ones are not here).
    public let recipients: [String]
    /// `plain`, `starttls` or `smtps`: which server took it.
    public let server: String
    /// Which connection brought it, numbered in the order connections sent their first message.
    public let connection: Int
    /// The message as sent after DATA (headers and body, CRLF line ends, dot-stuffing undone).
    public let raw: [UInt8]

    public var text: String { String(decoding: raw, as: UTF8.self) }
}
