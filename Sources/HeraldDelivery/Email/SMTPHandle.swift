import Curl
import Foundation

/// The curl handle an email channel keeps between its deliveries: curl leaves the SMTP connection open after a
/// message and sends the next `MAIL FROM` on it, so runs that follow each other to one server skip the connect,
/// greeting, TLS, EHLO and login (half the round trips of a one-recipient message). Workers keep channels per
/// destination; the connection closes (`QUIT`) when the channel is dropped. One handle is kept: a second delivery
/// through the same channel at the same moment gets a handle of its own.
final class SMTPHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: CurlEasy?

    /// The kept handle, or a new one while it is in use; give it back with `keep`.
    func take() throws(DeliveryError) -> CurlEasy {
        if let kept = lock.withLock({ () -> CurlEasy? in defer { idle = nil }; return idle }) { return kept }
        do { return try CurlEasy() } catch { throw DeliveryError(step: "setup", error) }
    }

    func keep(_ easy: CurlEasy) { lock.withLock { if idle == nil { idle = easy } } }
}
