/// Where a bucket's objects are addressed: `https://bucket.host/key` (virtual-hosted) or `https://host/bucket/key`
/// (path-style: forced when the endpoint is a numeric address, where no bucket name can go in front).
struct S3Location: Sendable {
    let endpoint: HTTPEndpoint
    let bucket: String
    let pathStyle: Bool

    init(endpoint: HTTPEndpoint, bucket: String, pathStyle: Bool) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.pathStyle = pathStyle || endpoint.hostIsAddress
    }

    /// The host connected to (and checked by the outbound guard).
    var host: String { pathStyle ? endpoint.host : "\(bucket).\(endpoint.host)" }

    /// The URL of `key` (or of the bucket when nil), with `query` already in SigV4's canonical form (parameters sorted,
    /// encoded, each with an `=`): then the signature holds whether libcurl signs the query as written or canonicalises
    /// it itself (newer versions do), which the moto tests confirm for 7.88.
    func url(key: String?, query: String? = nil) -> String {
        let hostPart = pathStyle ? endpoint.authority : (endpoint.port == (endpoint.scheme == "https" ? 443 : 80) ? host : "\(host):\(endpoint.port)")
        let base = endpoint.path == "/" ? "" : String(endpoint.path.reversed().drop { $0 == "/" }.reversed())
        var path = base + (pathStyle ? "/" + bucket : "") + "/"
        if let key { path += key.split(separator: "/", omittingEmptySubsequences: false).map { S3Encoding.component(String($0)) }.joined(separator: "/") }
        return "\(endpoint.scheme)://\(hostPart)\(path)" + (query.map { "?" + $0 } ?? "")
    }
}

/// SigV4's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (upper-case hex).
enum S3Encoding {
    static func component(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// A canonical query from name-value pairs: sorted by name, each encoded, `name=value`.
    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { (component($0.0), component($0.1)) }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
