import Curl
import Foundation
import HeraldCore

/// The SSRF guard for every connection a user can point somewhere. The host is resolved first and each answer
/// checked against the `OutboundPolicy` (so `127.1`, `0x7f000001`, `2130706433` and a name that resolves to 10.0.0.1
/// are refused before any packet is sent); then every socket curl opens — redirects, FTP data connections, a second
/// resolution that now answers differently — is checked again by address, and refused unless it is one of the
/// addresses checked here or the policy allows it.
public struct OutboundGuard: Sendable {
    public let policy: OutboundPolicy

    public init(policy: OutboundPolicy) { self.policy = policy }

    /// Resolves `host`, refuses it when any answer is not allowed, and arms `easy` to connect only to those answers.
    public func admit(host: String, port: Int, on easy: CurlEasy) throws(DeliveryError) {
        let allowedByName = policy.allows(host: host)
        let addresses = try Self.resolve(host, port: port)
        if !allowedByName {
            for address in addresses {
                if let reason = policy.refusal(for: address) {
                    throw DeliveryError("blocked: \(host) resolves to \(reason)", permanent: true, category: "blocked")
                }
            }
        }
        let admitted = Set(addresses)
        let policy = self.policy
        easy.filterConnections { address in
            if admitted.contains(address) { return nil }
            return policy.refusal(for: address).map { "blocked: a connection to \($0)" }
        }
    }

    /// Every IPv4 and IPv6 address the system resolver gives for `host` (numeric forms included).
    static func resolve(_ host: String, port: Int) throws(DeliveryError) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(bare, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw DeliveryError("dns: cannot resolve \(host): \(String(cString: gai_strerror(status)))", category: "dns")
        }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            if let raw = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addresses.append(withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }) }
                } else if info.pointee.ai_family == AF_INET6 {
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { addresses.append(withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }) }
                }
            }
            next = info.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw DeliveryError("dns: \(host) has no address", category: "dns") }
        return addresses
    }
}
