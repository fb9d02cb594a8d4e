/// What an SMTP conversation said, read from curl's protocol trace: the last command's verb, the last reply's code,
/// and each recipient's reply to its `RCPT TO`. Keeps no command line itself (an `AUTH` line carries the password)
/// and no reply text except the recipients' replies.
final class SMTPReplyLog {
    private(set) var lastCommand: String?
    private(set) var lastReply: Int?
    /// Whether `DATA` was sent: from then on the server may have taken the message.
    private(set) var dataSent = false
    /// Recipient → (reply code, reply text), in the form the `RCPT TO` line had.
    private(set) var recipientReplies: [String: (code: Int, text: String)] = [:]
    private var pendingRecipient: String?

    private static let verbs: Set<String> = ["EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "NOOP", "RSET", "QUIT", "VRFY"]

    func record(incoming: Bool, line: String) {
        if incoming { reply(line) } else { command(line) }
    }

    private func command(_ line: String) {
        let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
        // AUTH LOGIN's user name and password lines are bare base64: they are not commands and are never kept.
        guard Self.verbs.contains(verb) else { return }
        lastCommand = verb
        if verb == "DATA" { dataSent = true }
        pendingRecipient = nil
        if verb == "RCPT", let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") {
            pendingRecipient = String(line[line.index(after: open)..<close])
        }
    }

    private func reply(_ line: String) {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else { return }
        if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") { return }
        lastReply = code
        if let recipient = pendingRecipient {
            recipientReplies[recipient] = (code, String(line.prefix(200)))
            pendingRecipient = nil
        }
    }
}
