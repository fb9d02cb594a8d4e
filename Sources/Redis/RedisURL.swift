/// A parsed `redis://[[username]:password@]host[:port][/db]` URL. The password is percent-decoded and never
/// printed.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public static let defaultPort = 6379

    public var host: String
    public var port: Int
    public var database: Int
    /// An ACL user (Redis 6+); nil sends the one-argument `AUTH password`.
    public var username: String?
    public var password: String?

    public init(host: String, port: Int = RedisURL.defaultPort, database: Int = 0, username: String? = nil,
                password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    public init(parsing url: String) throws {
        guard let separator = url.firstRange(of: "://") else {
            throw Self.invalid("it has no scheme (expected redis://)")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "redis" else {
            let hint = scheme == "rediss" ? " (TLS is not supported by hiredis 0.14)" : ""
            throw Self.invalid("scheme '\(scheme)' is not redis\(hint)")
        }
        var rest = url[separator.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            throw Self.invalid("query strings and fragments are not supported")
        }

        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var hostAndPort = rest
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            hostAndPort = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = try Self.percentDecoded(userInfo[..<colon], part: "username")
                username = user.isEmpty ? nil : user
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                // `redis://secret@host` is how several clients spell a password-only URL.
                password = try Self.percentDecoded(userInfo, part: "password")
            }
        }

        var portText: Substring?
        if hostAndPort.hasPrefix("[") {
            guard let close = hostAndPort.firstIndex(of: "]") else { throw Self.invalid("IPv6 host has no closing ]") }
            host = String(hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close])
            let after = hostAndPort[hostAndPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Self.invalid("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = hostAndPort.lastIndex(of: ":") {
            host = String(hostAndPort[..<colon])
            portText = hostAndPort[hostAndPort.index(after: colon)...]
        } else {
            host = String(hostAndPort)
        }
        guard !host.isEmpty else { throw Self.invalid("it has no host") }

        port = Self.defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw Self.invalid("port '\(portText)' is not a number from 1 to 65535")
            }
            port = value
        }

        database = 0
        if !path.isEmpty {
            guard let value = Int(path), value >= 0 else {
                throw Self.invalid("database '\(path)' is not a non-negative number")
            }
            database = value
        }
    }

    public var description: String {
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(hostPart):\(port)/\(database)"
    }

    /// The message never repeats the URL: it may hold a password.
    private static func invalid(_ reason: String) -> RedisError {
        RedisError(kind: .connection, message: "invalid Redis URL: \(reason)")
    }

    private static func percentDecoded(_ text: Substring, part: String) throws -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                throw invalid("bad percent-escape in the \(part)")
            }
            bytes.append(value)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw invalid("the \(part) is not valid UTF-8 after percent-decoding")
        }
        return decoded
    }
}
