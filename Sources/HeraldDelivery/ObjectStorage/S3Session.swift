import Crypto
import Curl

/// Signed requests to one bucket on one curl handle (its connection kept between them): each request re-arms the
/// outbound guard, signs with SigV4 (`aws:amz:REGION:s3`) and sets `x-amz-content-sha256` itself, which libcurl 7.88
/// does not (curl/curl#8810).
final class S3Session {
    enum Body {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file from `offset`.
        case file(path: String, offset: Int64, length: Int64)
    }

    struct Response {
        let status: Int
        let headers: [String]
        let body: [UInt8]
        func header(_ name: String) -> String? { ResponseText.header(name, in: headers) }
    }

    static let emptyPayloadHash = Hex.encode(Digest.sha256([]))

    let location: S3Location
    private let environment: ChannelEnvironment
    private let region: String
    private let accessKey: String
    private let secretKey: String
    let redactor: SecretRedactor
    private let easy: CurlEasy

    init(location: S3Location, environment: ChannelEnvironment, region: String, accessKey: String, secretKey: String, redactor: SecretRedactor) throws {
        self.location = location
        self.environment = environment
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.redactor = redactor
        do { easy = try CurlEasy() } catch { throw DeliveryError(step: "setup", error) }
    }

    /// A session with the same bucket and keys on a curl handle (and connection) of its own, for a request sent at the
    /// same time as this one's.
    func sibling() throws -> S3Session {
        try S3Session(location: location, environment: environment, region: region, accessKey: accessKey, secretKey: secretKey, redactor: redactor)
    }

    /// Sends one request; a transfer failure is a `DeliveryError` for `step`, an HTTP answer of any status is returned.
    func send(_ method: String, key: String?, query: String? = nil, headers: [String] = [], body: Body = .none, step: String) throws -> Response {
        let payloadHash: String
        switch body {
        case .none: payloadHash = Self.emptyPayloadHash
        case .bytes(let bytes): payloadHash = Hex.encode(Digest.sha256(bytes))
        case .file(let path, let offset, let length):
            do { payloadHash = Hex.encode(try Digest.sha256(contentsOf: path, offset: offset, length: length)) } catch {
                throw DeliveryError("\(step): local: \(error)", permanent: true, category: "local")
            }
        }
        do {
            try easy.reset()
            try environment.prepare(easy, host: location.host, port: location.endpoint.port)
            try easy.url(location.url(key: key, query: query))
            try easy.protocols("http,https")
            try easy.awsSigV4("aws:amz:\(region):s3")
            try easy.login(user: accessKey, password: secretKey)
            // No User-Agent: botocore-based servers (moto) leave it out of the signature even when it is signed.
            try easy.headers(["x-amz-content-sha256: \(payloadHash)"] + headers)
            easy.captureResponse(limit: 64 * 1024)
            switch body {
            case .none:
                if method == "POST" { try easy.body([]) }
            case .bytes(let bytes): try easy.body(bytes)
            case .file(let path, let offset, let length): try easy.upload(fileAt: path, offset: offset, length: length)
            }
            switch method {
            case "HEAD": try easy.noBody()
            case "GET", "PUT", "POST": break
            default: try easy.method(method)
            }
            try easy.perform()
        } catch let error as CurlError {
            throw redactor.redact(DeliveryError(step: step, error))
        } catch let error as DeliveryError {
            throw redactor.redact(error)
        }
        return Response(status: easy.responseCode, headers: easy.responseHeaders, body: easy.responseBody)
    }
}
