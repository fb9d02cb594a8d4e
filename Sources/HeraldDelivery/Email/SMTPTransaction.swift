import Curl

/// One SMTP transaction through curl: `MAIL FROM`, one `RCPT TO` per envelope recipient, `DATA` with the message
/// built by curl's MIME API (files streamed from disk, base64). A refused `RCPT` does not end it while another
/// recipient was accepted; each recipient's outcome is its own reply (5xx permanent, 4xx transient). When the
/// whole transaction fails (connect, TLS, login, `DATA` refused) every recipient not refused on its own gets that
/// error.
struct SMTPTransaction {
    let connection: SMTPConnection
    let environment: ChannelEnvironment

    func send(_ message: EmailMessage, from sender: String, to recipients: [String], on easy: CurlEasy) -> [RecipientOutcome] {
        var (log, failure) = attempt(message, from: sender, to: recipients, on: easy, fresh: false)
        // A kept connection the server has since dropped (no answer at all) or is closing (421: an idle timeout, a
        // per-connection limit) fails before the message was handed over: that is the connection's fault, not the
        // message's, so the transaction is made once more on a new one. A server's own answer to MAIL or RCPT stands.
        if failure != nil, easy.reusedConnection, !log.dataSent, log.lastReply == nil || log.lastReply == 421 {
            (log, failure) = attempt(message, from: sender, to: recipients, on: easy, fresh: true)
        }
        return recipients.map { recipient in
            if let reply = log.recipientReplies[recipient], !(200..<300).contains(reply.code) {
                return RecipientOutcome(recipient: recipient, error: Self.refusal(recipient, reply), detail: "")
            }
            if let failure { return RecipientOutcome(recipient: recipient, error: failure, detail: "") }
            return RecipientOutcome(recipient: recipient, error: nil, detail: message.messageID)
        }
    }

    private func attempt(_ message: EmailMessage, from sender: String, to recipients: [String], on easy: CurlEasy,
                         fresh: Bool) -> (SMTPReplyLog, DeliveryError?) {
        let log = SMTPReplyLog()
        do {
            try easy.reset()
            try connection.configure(easy, environment: environment)
            if fresh { try easy.freshConnection() }
            try easy.traceProtocol { incoming, line in log.record(incoming: incoming, line: line) }
            try easy.mail(from: sender, recipients: recipients, allowRecipientFailures: true)
            try easy.headers(message.headers)
            try easy.mime(try Self.mime(message.body, for: easy))
            try easy.perform()
        } catch let error as DeliveryError {
            return (log, error)
        } catch let error as CurlError {
            return (log, Self.failure(error, log: log))
        } catch {
            return (log, DeliveryError("send: \(error)"))
        }
        return (log, nil)
    }

    static func refusal(_ recipient: String, _ reply: (code: Int, text: String)) -> DeliveryError {
        DeliveryError("recipient: the server refused \(recipient): \(reply.text)", permanent: reply.code >= 500, category: "remote rejected")
    }

    /// A failed transaction as the step it failed at (from the last command sent), and permanent when the server's
    /// last reply was a 5xx (or curl's category says no retry can help).
    static func failure(_ error: CurlError, log: SMTPReplyLog) -> DeliveryError {
        let step: String
        switch error.category {
        case .dns, .tls, .auth, .timeout: step = error.category.rawValue
        case .blocked: step = "connect"
        default:
            switch log.lastCommand {
            case nil: step = "connect"
            case "EHLO", "HELO": step = "greeting"
            case "STARTTLS": step = "tls"
            case "AUTH": step = "auth"
            case "MAIL": step = "sender"
            case "RCPT": step = "recipients"
            case "NOOP": step = "check"
            default: step = "data"
            }
        }
        var category = error.category.rawValue
        if log.lastCommand == "AUTH", let code = log.lastReply, code == 535 || code == 534 { category = "auth" }
        let permanent: Bool
        if let code = log.lastReply, code >= 500 { permanent = true } else if let code = log.lastReply, code >= 400 { permanent = false } else {
            permanent = !error.isTransient || category == "auth"
        }
        let description = step == category ? "\(step): \(error.message)" : "\(step): \(category): \(error.message)"
        return DeliveryError(description, permanent: permanent, category: category)
    }

    /// The curl MIME tree of `top` (a multipart; its own type goes in the message's headers).
    static func mime(_ top: EmailPart, for easy: CurlEasy) throws(CurlError) -> CurlMime {
        let tree = try CurlMime(for: easy)
        guard case .multipart(_, let parts) = top else {
            try add(top, to: tree, easy: easy)
            return tree
        }
        for part in parts { try add(part, to: tree, easy: easy) }
        return tree
    }

    private static func add(_ node: EmailPart, to tree: CurlMime, easy: CurlEasy) throws(CurlError) {
        let part = try tree.addPart()
        switch node {
        case .text(let type, let text):
            try part.data(crlf(text))
            try part.type(type)
            try part.encoder("quoted-printable")
        case .file(let path, let type, let disposition):
            // Encoded by us, not by a curl encoder, which would send the file ~345 bytes per write (Base64FileReader).
            try part.base64FileData(path: path)
            try part.type(type)
            try part.headers(["Content-Disposition: " + disposition, "Content-Transfer-Encoding: base64"])
        case .multipart(let subtype, let parts):
            let sub = try CurlMime(for: easy)
            for child in parts { try add(child, to: sub, easy: easy) }
            try part.subparts(sub)
            try part.type("multipart/" + subtype)
        }
    }

    /// Line ends as CRLF, which quoted-printable keeps as line breaks.
    static func crlf(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 64)
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == 0x0A && previous != 0x0D { bytes.append(0x0D) }
            bytes.append(byte)
            previous = byte
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
