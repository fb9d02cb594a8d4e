import Crypto

/// `X-Herald-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` beside `X-Herald-Timestamp`, so a
/// receiver can check who sent a request and refuse an old one replayed. For a `files` payload the signed body is the
/// `summary` part's bytes (the JSON), not the whole multipart body, whose boundary curl chooses.
enum WebhookSignature {
    static func headers(secret: String, timestamp: Int, body: [UInt8]) -> [String] {
        let mac = Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body)
        return ["X-Herald-Timestamp: \(timestamp)", "X-Herald-Signature: sha256=\(Hex.encode(mac))"]
    }
}
