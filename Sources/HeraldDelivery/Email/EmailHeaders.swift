import Foundation
import HeraldCore

/// The header block of a report email: From, To, Cc (the full lists from the settings, even when this message goes
/// to a few of them), Subject, Date, Message-ID, MIME-Version and X-Herald-Execution. Never a Bcc header: blind
/// copies are in the envelope only. Every value is checked again here, at send time, whatever was checked when the
/// destination was saved: a line break of any kind or a bad address stops the send before anything is sent.
struct EmailHeaders {
    var fromAddress: String
    var fromName: String?
    var to: [String]
    var cc: [String]
    var subject: String
    var executionID: String

    /// The header lines and the Message-ID, for a message sent at `date`.
    func lines(date: Date = Date(), random: String) throws(DeliveryError) -> (lines: [String], messageID: String) {
        let from = try Self.checkedAddress(fromAddress, role: "from address")
        let to = try to.map { address throws(DeliveryError) in try Self.checkedAddress(address, role: "recipient") }
        let cc = try cc.map { address throws(DeliveryError) in try Self.checkedAddress(address, role: "recipient") }
        try Self.checkedText(subject, field: "subject", maximum: 998)
        if let fromName { try Self.checkedText(fromName, field: "from name", maximum: 200) }
        try Self.checkedText(executionID, field: "execution id", maximum: 100)

        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        let messageID = "<\(executionID).\(random)@\(domain)>"
        var lines: [String] = []
        if let fromName, !fromName.isEmpty {
            let name = EncodedWord.displayName(fromName, headerName: "From")
            let lastLine = ("From: " + name).components(separatedBy: "\r\n").last ?? ""
            lines.append("From: " + name + (lastLine.count + from.count + 3 > 78 ? EncodedWord.fold : " ") + "<\(from)>")
        } else {
            lines.append("From: <\(from)>")
        }
        // Only blind copies: an empty group, so readers show no one rather than guess.
        if to.isEmpty && cc.isEmpty { lines.append("To: undisclosed-recipients:;") }
        if !to.isEmpty { lines.append("To: " + Self.addressList(to)) }
        if !cc.isEmpty { lines.append("Cc: " + Self.addressList(cc)) }
        lines.append("Subject: " + EncodedWord.unstructured(subject, headerName: "Subject"))
        lines.append("Date: " + Self.rfc5322(date))
        lines.append("Message-ID: " + messageID)
        lines.append("MIME-Version: 1.0")
        lines.append("X-Herald-Execution: " + executionID)
        return (lines, messageID)
    }

    /// Addresses separated by commas, one per line after the first.
    static func addressList(_ addresses: [String]) -> String { addresses.joined(separator: "," + EncodedWord.fold) }

    /// The address in its normal form, or a permanent error: `EmailAddress`'s rules, and no character that would
    /// mean something in a header or an SMTP command (`<>()[],;:"\`, spaces, non-ASCII).
    static func checkedAddress(_ raw: String, role: String) throws(DeliveryError) -> String {
        let address: EmailAddress
        do { address = try EmailAddress(raw) } catch {
            throw DeliveryError("message: the \(role) \(raw.debugDescription.prefix(80)) \(error.message); nothing was sent", permanent: true)
        }
        let special = Array("<>()[],;:\"\\".utf8)
        guard address.value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !special.contains($0) }) else {
            throw DeliveryError("message: the \(role) \(raw.debugDescription.prefix(80)) has characters an address may not have here; nothing was sent",
                                permanent: true)
        }
        return address.value
    }

    static func checkedText(_ value: String, field: String, maximum: Int) throws(DeliveryError) {
        do { try HeaderText.check(value, field: field, maximum: maximum) } catch {
            throw DeliveryError("message: the \(field) \(error.message); nothing was sent", permanent: true)
        }
    }

    /// `Thu, 03 Dec 2026 06:30:00 +0000`.
    static func rfc5322(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
