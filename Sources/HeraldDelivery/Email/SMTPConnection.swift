import Curl
import Foundation
import HeraldCore

/// Where a message is sent from: the admin's server (`/admin/email`, trusted: it does not go through the SSRF guard)
/// or a destination's own (which does, like every address a user can type). Security `tls` is `smtps://`,
/// `starttls` is `smtp://` with TLS required before anything else, `plain` is `smtp://` without TLS (a local relay).
struct SMTPConnection: Sendable {
    let server: SMTPServer
    let password: String?
    /// A destination's own server: checked by the outbound guard.
    let guarded: Bool

    var address: String { "\(server.host):\(server.effectivePort)" }

    /// The options of one transfer to this server on `easy` (timeouts, trusted CA, guard, URL, TLS, login).
    func configure(_ easy: CurlEasy, environment: ChannelEnvironment) throws(DeliveryError) {
        let port = server.effectivePort
        do {
            if guarded {
                try environment.prepare(easy, host: server.host, port: port)
            } else {
                try easy.timeouts(connect: environment.connectTimeout, total: environment.transferTimeout)
                if let ca = environment.trustedCertificates { try easy.certificateAuthority(path: ca) }
            }
            try easy.protocols("smtp,smtps")
            let host = server.host.contains(":") && !server.host.hasPrefix("[") ? "[\(server.host)]" : server.host
            let scheme = server.security == .tls ? "smtps" : "smtp"
            // The URL's path is the name given in EHLO: this server's public name when known.
            let ehlo = URL(string: environment.baseURL)?.host.map { "/" + $0 } ?? ""
            try easy.url("\(scheme)://\(host):\(port)\(ehlo)")
            try easy.requireTLS(server.security == .starttls)
            if let user = server.username, !user.isEmpty { try easy.login(user: user, password: password ?? "") }
        } catch let error as DeliveryError {
            throw error
        } catch let error as CurlError {
            throw DeliveryError(step: "setup", error)
        } catch {
            throw DeliveryError("setup: \(error)", permanent: true)
        }
    }

    /// What `testConnection` and the history say about how the server was reached.
    var summary: String {
        let tls = switch server.security {
        case .tls: "over TLS"
        case .starttls: "with STARTTLS"
        case .plain: "without TLS"
        }
        let login = server.username.flatMap { $0.isEmpty ? nil : "logged in as \($0)" } ?? "without a login"
        return "\(address) \(tls), \(login)"
    }
}
