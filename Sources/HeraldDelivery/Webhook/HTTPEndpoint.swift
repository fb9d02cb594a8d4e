import Foundation

/// The parts of a user-given `http(s)` URL a channel connects with: the scheme, the host as the resolver takes it
/// (an IPv6 literal without brackets), the port (the scheme's default when absent), and the path and query as typed.
/// Any other scheme (`file`, `gopher`) is refused before anything is resolved.
struct HTTPEndpoint: Sendable, Equatable {
    let scheme: String
    let host: String
    let port: Int
    /// The path as typed, `/` when empty.
    let path: String
    let query: String?

    init(_ url: String) throws(DeliveryError) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else {
            throw DeliveryError("url: the address is not a URL", permanent: true, category: "blocked")
        }
        guard scheme == "http" || scheme == "https" else {
            throw DeliveryError("url: only http and https are allowed, not \(scheme.prefix(20))", permanent: true, category: "blocked")
        }
        guard var host = parts.host, !host.isEmpty else {
            throw DeliveryError("url: the address has no host", permanent: true, category: "blocked")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme
        self.host = host
        self.port = parts.port ?? (scheme == "https" ? 443 : 80)
        self.path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        self.query = parts.percentEncodedQuery
    }

    /// `host` as it goes into a URL (brackets around an IPv6 literal), with the port when it is not the default.
    var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        let standard = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
        return standard ? name : "\(name):\(port)"
    }

    /// The origin, `https://host[:port]`, without path or query.
    var origin: String { "\(scheme)://\(authority)" }

    /// The whole URL, rebuilt (path and query as typed).
    var url: String { origin + path + (query.map { "?" + $0 } ?? "") }

    /// Whether the host is a numeric address (no bucket can be put in front of it as a name).
    var hostIsAddress: Bool {
        host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
