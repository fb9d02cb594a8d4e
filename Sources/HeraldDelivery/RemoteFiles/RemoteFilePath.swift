/// A file's place on an SFTP or FTP server: the destination's base folder, the folders the path pattern adds (each
/// already a safe segment), and the file's name. The base is absolute (`/srv/reports`) or relative to the login's
/// home (`reports`, or empty for the home itself).
struct RemoteFilePath: Sendable, Equatable {
    let absolute: Bool
    /// The base's segments followed by the pattern's folders.
    let folders: [String]
    let name: String

    init(base: String, folders: [String], name: String) {
        var base = Substring(base)
        // `~/reports` says "in the home" as clearly as `reports` does.
        if base == "~" || base.hasPrefix("~/") { base = base.dropFirst(min(2, base.count)) }
        absolute = base.hasPrefix("/")
        self.folders = base.split(separator: "/").map(String.init) + folders
        self.name = name
    }

    private init(absolute: Bool, folders: [String], name: String) {
        self.absolute = absolute
        self.folders = folders
        self.name = name
    }

    /// The same folder, another name (the temporary name, the stamped name).
    func named(_ name: String) -> RemoteFilePath { RemoteFilePath(absolute: absolute, folders: folders, name: name) }

    /// As the history shows it: `/srv/reports/Sales/x.csv`, or `reports/x.csv` (under the login's home).
    var display: String { folderDisplay + name }

    /// The folder, ending in `/` (empty: the login's home).
    var folderDisplay: String {
        let joined = folders.map { $0 + "/" }.joined()
        return absolute ? "/" + joined : joined
    }

    /// A segment of a URL path: every byte but the unreserved ones percent-encoded (spaces, `#`, `?`, `%`, non-ASCII).
    static func urlSegment(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `host` as it goes between `//` and `:port` (an IPv6 literal in brackets).
    static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
