import Crypto
import Curl
import HeraldCore

extension EmailChannel {
    /// The admin page's "send test email": a short message through `server` (trusted like the system server).
    public static func sendTestMessage(to address: String, server: SMTPServer, password: String?, environment: ChannelEnvironment) throws -> String {
        let connection = SMTPConnection(server: server, password: password, guarded: false)
        let recipient = try EmailHeaders.checkedAddress(address, role: "recipient")
        let sender = try EmailHeaders.checkedAddress(server.fromAddress, role: "from address")
        let headers = EmailHeaders(fromAddress: server.fromAddress, fromName: server.fromName, to: [recipient], cc: [],
                                   subject: "Herald test email", executionID: "test")
        let (lines, messageID) = try headers.lines(random: Hex.encode(SecureRandom.bytes(6)))
        let body = EmailBody(plain: "Herald can send email from \(server.fromAddress) through \(connection.summary).")
        let message = EmailMessage(headers: lines, messageID: messageID, body: body, files: .none)
        let easy: CurlEasy
        do { easy = try CurlEasy() } catch { throw DeliveryError(step: "setup", error) }
        let outcome = SMTPTransaction(connection: connection, environment: environment).send(message, from: sender, to: [recipient], on: easy)
        if let error = outcome.first?.error { throw error }
        return "sent \(messageID) to \(recipient) through \(connection.address)"
    }
}
