/// Which addresses Herald may connect to when a user chose where (a webhook, an S3 endpoint, an SFTP/FTP/SMTP host):
/// public unicast addresses only, unless the admin allow-list (`HERALD_OUTBOUND_ALLOW`: host names and CIDRs,
/// comma-separated) names the host or the address. Loopback, private, link-local (the cloud metadata address
/// 169.254.169.254 among them), unique-local, CGNAT, multicast, reserved and documentation ranges are refused, and so
/// are IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of them.
public struct OutboundPolicy: Sendable, Equatable {
    public let allowedHosts: Set<String>
    public let allowedNetworks: [Network]

    public static let none = OutboundPolicy(allowedHosts: [], allowedNetworks: [])

    public init(allowedHosts: Set<String>, allowedNetworks: [Network]) {
        self.allowedHosts = allowedHosts
        self.allowedNetworks = allowedNetworks
    }

    /// Parses `HERALD_OUTBOUND_ALLOW`; a bad entry is refused naming it.
    public init(allowList: String) throws(ValidationError) {
        var hosts: Set<String> = []
        var networks: [Network] = []
        for raw in allowList.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            if let network = Network(entry) {
                networks.append(network)
            } else {
                do { try HostName.check(entry, field: "HERALD_OUTBOUND_ALLOW") } catch {
                    throw ValidationError(field: "HERALD_OUTBOUND_ALLOW", message: "\(entry.prefix(80)) is neither a host name nor a CIDR")
                }
                hosts.insert(entry.lowercased())
            }
        }
        self.init(allowedHosts: hosts, allowedNetworks: networks)
    }

    public func allows(host: String) -> Bool { allowedHosts.contains(host.lowercased()) }

    /// nil when `address` (4 or 16 bytes) may be reached; else why not.
    public func refusal(for address: [UInt8]) -> String? {
        if allowedNetworks.contains(where: { $0.contains(address) }) { return nil }
        guard let reason = Self.specialUse(address) else { return nil }
        return "\(IPAddressText.format(address)) is \(reason) and not on HERALD_OUTBOUND_ALLOW"
    }

    /// What makes an address not public, or nil for a public unicast address.
    public static func specialUse(_ address: [UInt8]) -> String? {
        if address.count == 4 { return specialUse4(address) }
        guard address.count == 16 else { return "not an IP address" }
        let a = address
        if a.allSatisfy({ $0 == 0 }) { return "the unspecified address" }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return "a loopback address" }
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): the IPv4 inside decides.
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff { return specialUse4(Array(a[12...])).map { "an IPv4-mapped address of \($0)" } }
        if a[0..<12].allSatisfy({ $0 == 0 }) { return specialUse4(Array(a[12...])).map { "an IPv4-compatible address of \($0)" } ?? "an IPv4-compatible address" }
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b { return specialUse4(Array(a[12...])).map { "a NAT64 address of \($0)" } }
        if a[0] == 0x20 && a[1] == 0x02 { return specialUse4(Array(a[2..<6])).map { "a 6to4 address of \($0)" } }
        if a[0] & 0xfe == 0xfc { return "a unique-local address" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return "a link-local address" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return "a site-local address" }
        if a[0] == 0xff { return "a multicast address" }
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 { return "a documentation address" }
        if a[0] == 0x01 && a[1..<8].allSatisfy({ $0 == 0 }) { return "a discard-only address" }
        return nil
    }

    private static func specialUse4(_ a: [UInt8]) -> String? {
        switch (a[0], a[1], a[2]) {
        case (0, _, _): return "in 0.0.0.0/8 (this network)"
        case (10, _, _): return "a private address"
        case (100, 64...127, _): return "a carrier-grade NAT address"
        case (127, _, _): return "a loopback address"
        case (169, 254, _): return a[3] == 254 && a[2] == 169 ? "the cloud metadata address" : "a link-local address"
        case (172, 16...31, _): return "a private address"
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return "a reserved or documentation address"
        case (192, 168, _): return "a private address"
        case (198, 18...19, _): return "a benchmarking address"
        case (224...239, _, _): return "a multicast address"
        case (240...255, _, _): return "a reserved address"
        default: return nil
        }
    }

    /// An IPv4 or IPv6 network, `10.0.0.0/8`, `::1/128`, or a single address.
    public struct Network: Sendable, Equatable {
        public let address: [UInt8]
        public let prefix: Int

        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let address = IPAddressText.parse(String(parts[0])) else { return nil }
            let bits = address.count * 8
            let prefix = parts.count == 2 ? Int(parts[1]) : bits
            guard let prefix, (0...bits).contains(prefix) else { return nil }
            self.address = address
            self.prefix = prefix
        }

        public func contains(_ other: [UInt8]) -> Bool {
            guard other.count == address.count else { return false }
            var left = prefix
            for i in 0..<address.count where left > 0 {
                let mask: UInt8 = left >= 8 ? 0xff : UInt8(0xff << (8 - left) & 0xff)
                if address[i] & mask != other[i] & mask { return false }
                left -= 8
            }
            return true
        }
    }
}

/// Strict dotted-quad IPv4 and RFC 4291 IPv6 text, for the allow-list and for messages. (Host names and the odd IPv4
/// forms `127.1`, `0x7f000001`, `2130706433` are resolved by the system resolver, whose answer is what is checked.)
public enum IPAddressText {
    public static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") { return parse6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parse6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parse(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let wanted = 8 - tail.count / 2
        var all = head
        if halves.count == 2 {
            guard head.count + rest.count < wanted else { return nil }
            all += Array(repeating: 0, count: wanted - head.count - rest.count) + rest
        }
        guard all.count == wanted else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } + tail
    }

    public static func format(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        guard address.count == 16 else { return "?" }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
