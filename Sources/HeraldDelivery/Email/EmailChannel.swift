import Crypto
import Curl
import Foundation
import HeraldCore

/// Delivers a run by email: one message per batch of at most `HERALD_MAX_RECIPIENTS` envelope recipients, with the
/// full To and Cc lists in the headers and blind copies in the envelope only. Each recipient's outcome is the
/// server's reply to its `RCPT TO`, so a refused address fails alone and a re-send goes to just it.
public struct EmailChannel: PerRecipientChannel {
    let settings: EmailDestination.Settings
    /// nil: neither the destination nor the admin set up a server.
    let connection: SMTPConnection?
    let environment: ChannelEnvironment
    /// The connection kept from this channel's last message.
    let handle = SMTPHandle()

    static let noServer = DeliveryError("no SMTP server is set up: an admin sets one on /admin/email", permanent: true, category: "local")

    init(settings: EmailDestination.Settings, connection: SMTPConnection?, environment: ChannelEnvironment) {
        self.settings = settings
        self.connection = connection
        self.environment = environment
    }

    /// The channel of an `email` destination: its own SMTP server (through the outbound guard) or else the admin's.
    public static func make(settingsJSON: String, secretsJSON: String, environment: ChannelEnvironment) throws -> EmailChannel {
        let (settings, secrets) = try DeliveryChannels.decode(EmailDestination.self, settingsJSON, secretsJSON)
        let connection: SMTPConnection? = if let own = settings.smtp {
            SMTPConnection(server: own, password: secrets.smtpPassword, guarded: true)
        } else if let system = environment.systemSMTP {
            SMTPConnection(server: system.server, password: system.password, guarded: false)
        } else {
            nil
        }
        return EmailChannel(settings: settings, connection: connection, environment: environment)
    }

    public var breakerHost: String { connection.map { "smtp:" + $0.address } ?? "smtp:none" }

    /// To, then Cc, then Bcc, each address once (in its normal form when valid), in that order.
    public var recipients: [String] {
        var seen: Set<String> = []
        var list: [String] = []
        for raw in settings.to + (settings.cc ?? []) + (settings.bcc ?? []) {
            let address = (try? EmailAddress(raw).value) ?? raw
            if seen.insert(address.lowercased()).inserted { list.append(address) }
        }
        return list
    }

    /// Sends to every recipient; fails when any of them failed (the per-recipient call says which).
    public func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        let outcomes = try deliver(files, context: context, to: recipients)
        if let failed = outcomes.first(where: { $0.error != nil }), let error = failed.error {
            let count = outcomes.filter { $0.error != nil }.count
            throw DeliveryError("\(count) of \(outcomes.count) recipients failed; \(failed.recipient): \(error.description)",
                                permanent: outcomes.allSatisfy { $0.error?.permanent ?? true }, category: error.category, retryAfter: error.retryAfter)
        }
        let ids = Array(Set(outcomes.map(\.detail))).sorted()
        return "sent \(ids.joined(separator: ", ")) to \(outcomes.count) recipient\(outcomes.count == 1 ? "" : "s") through \(connection?.address ?? "")"
    }

    public func deliver(_ files: [RenderedFile], context: DeliveryContext, to subset: [String]) throws -> [RecipientOutcome] {
        guard let connection else { throw Self.noServer }
        let known = Set(recipients.map { $0.lowercased() })
        var envelope: [String] = []
        var strangers: [RecipientOutcome] = []
        // Outcomes name each recipient as the caller spelled it.
        var asGiven: [String: String] = [:]
        for raw in subset {
            let address = try EmailHeaders.checkedAddress(raw, role: "recipient")
            guard asGiven[address] == nil else { continue }
            asGiven[address] = raw
            if known.contains(address.lowercased()) {
                envelope.append(address)
            } else {
                strangers.append(RecipientOutcome(recipient: raw, error: DeliveryError("recipient: \(raw) is not a recipient of this destination", permanent: true), detail: ""))
            }
        }
        let template = EmailTemplate(context)
        let headers = EmailHeaders(fromAddress: connection.server.fromAddress, fromName: connection.server.fromName,
                                   to: settings.to, cc: settings.cc ?? [],
                                   subject: template.fill(settings.subject ?? EmailDestination.defaultSubject),
                                   executionID: context.executionID.uuidString.lowercased())
        // Every header is checked before the first byte is sent, and again for each batch below.
        _ = try headers.lines(random: "check")
        guard !envelope.isEmpty else { return strangers }

        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let files = try EmailFiles.plan(files, context: context, settings: settings, scratch: scratch.path)
        let body = EmailBody(markdown: settings.bodyMd, context: context, files: files, includeRows: settings.includeRows ?? false)
        let sender = try EmailHeaders.checkedAddress(connection.server.fromAddress, role: "from address")
        let easy = try handle.take()
        defer { handle.keep(easy) }
        let transaction = SMTPTransaction(connection: connection, environment: environment)
        var outcomes: [RecipientOutcome] = []
        let size = max(1, environment.maxRecipients)
        for start in stride(from: 0, to: envelope.count, by: size) {
            let batch = Array(envelope[start..<min(start + size, envelope.count)])
            let (lines, messageID) = try headers.lines(random: Hex.encode(SecureRandom.bytes(6)))
            let message = EmailMessage(headers: lines, messageID: messageID, body: body, files: files)
            outcomes += transaction.send(message, from: sender, to: batch, on: easy).map {
                RecipientOutcome(recipient: asGiven[$0.recipient] ?? $0.recipient, error: $0.error, detail: $0.detail)
            }
        }
        return outcomes + strangers
    }

    /// Connects, TLS, EHLO and login, then `NOOP`: no message is sent.
    public func testConnection() throws -> String {
        guard let connection else { throw Self.noServer }
        return try Self.check(connection, environment: environment)
    }

    static func check(_ connection: SMTPConnection, environment: ChannelEnvironment) throws(DeliveryError) -> String {
        let log = SMTPReplyLog()
        do {
            let easy = try CurlEasy()
            try connection.configure(easy, environment: environment)
            try easy.traceProtocol { incoming, line in log.record(incoming: incoming, line: line) }
            try easy.method("NOOP")
            try easy.perform()
        } catch let error as DeliveryError {
            throw error
        } catch let error as CurlError {
            throw SMTPTransaction.failure(error, log: log)
        } catch {
            throw DeliveryError("check: \(error)")
        }
        return "connected to \(connection.summary); the server accepted the session (nothing was sent)"
    }
}
