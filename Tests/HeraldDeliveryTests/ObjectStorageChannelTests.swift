import Crypto
import Curl
import Foundation
import HeraldCore
import HeraldDelivery
import TestSupport
import Testing

/// The S3 and GCS channel against moto (which checks SigV4 signatures): keys, bytes, content types, overwrites,
/// credentials, multipart, server-side encryption and the outbound guard. Each test writes under its own prefix.
struct ObjectStorageChannelTests {
    let s3: S3Server
    let prefix: String

    init() throws {
        s3 = try DeliveryServers.s3()
        prefix = "herald-tests/\(UUID().uuidString)"
    }

    func channel(kind: String = "s3", _ extra: [String: Any] = [:], secretKey: String? = nil, accessKey: String? = nil,
                 allowLoopback: Bool = true) throws -> any DeliveryChannel {
        var settings: [String: Any] = ["bucket": s3.bucket, "region": s3.region, "endpoint": s3.endpoint.absoluteString,
                                       "key": "\(prefix)/{report_name}_{date}.{format}"]
        for (name, value) in extra { settings[name] = value }
        return try ChannelFixture.channel(kind, settings: settings,
                                          secrets: ["access_key_id": accessKey ?? s3.accessKey, "secret_access_key": secretKey ?? s3.secretKey],
                                          allowLoopback: allowLoopback)
    }

    /// A GET (or HEAD) signed here, apart from the channel's code: what moto holds under `path` (after the bucket).
    func fetch(_ path: String, head: Bool = false) throws -> (status: Int, body: [UInt8], headers: [String]) {
        let easy = try CurlEasy()
        try easy.protocols("http")
        try easy.url("\(s3.endpoint.absoluteString)/\(s3.bucket)/\(path)")
        try easy.awsSigV4("aws:amz:\(s3.region):s3")
        try easy.login(user: s3.accessKey, password: s3.secretKey)
        try easy.headers(["x-amz-content-sha256: " + Hex.encode(Digest.sha256([]))])
        if head { try easy.noBody() }
        easy.captureResponse(limit: 32 * 1024 * 1024)
        try easy.perform()
        return (easy.responseCode, easy.responseBody, easy.responseHeaders)
    }

    static func header(_ name: String, _ lines: [String]) -> String? {
        lines.last { $0.lowercased().hasPrefix(name.lowercased() + ":") }.map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    /// The keys under this test's prefix (a signed ListObjectsV2).
    func keys() throws -> [String] {
        let listing = try fetch("?list-type=2&prefix=" + prefix.replacingOccurrences(of: "/", with: "%2F"))
        #expect(listing.status == 200, "\(String(decoding: listing.body, as: UTF8.self))")
        let text = String(decoding: listing.body, as: UTF8.self)
        return text.components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
    }

    @Test func objectsArriveUnderTheirKeysWithTheirBytesAndContentTypes() throws {
        let csvBytes = Array("id,name\n1,Å\n".utf8)
        let pdfBytes: [UInt8] = [0x25, 0x50, 0x44, 0x46, 0x2D, 0x00, 0xFF]
        let detail = try channel().deliver([try ChannelFixture.file(csvBytes, format: "csv"), try ChannelFixture.file(pdfBytes, format: "pdf")],
                                           context: ChannelFixture.context(reportName: "Sales Report"))
        #expect(detail.contains("s3://\(s3.bucket)/\(prefix)/"))
        let names = try keys().sorted()
        #expect(names.count == 2)
        let csv = try fetch(try #require(names.first { $0.hasSuffix(".csv") }).replacingOccurrences(of: " ", with: "%20"))
        #expect(csv.status == 200)
        #expect(csv.body == csvBytes)
        #expect(Self.header("Content-Type", csv.headers) == "text/csv; charset=utf-8")
        let pdf = try fetch(try #require(names.first { $0.hasSuffix(".pdf") }).replacingOccurrences(of: " ", with: "%20"))
        #expect(pdf.body == pdfBytes)
        #expect(Self.header("Content-Type", pdf.headers) == "application/pdf")
        #expect(names.allSatisfy { $0.contains("2026-11-23") })
    }

    @Test func aRetryOfTheSameRunOverwritesTheSameObject() throws {
        let context = ChannelFixture.context()
        let destination = try channel(["content_type": "text/plain"])
        _ = try destination.deliver([try ChannelFixture.file(Array("first".utf8), format: "csv")], context: context)
        _ = try destination.deliver([try ChannelFixture.file(Array("second try".utf8), format: "csv")], context: context)
        let names = try keys()
        #expect(names.count == 1)
        let object = try fetch(try #require(names.first))
        #expect(object.body == Array("second try".utf8))
        #expect(Self.header("Content-Type", object.headers) == "text/plain")
    }

    @Test func wrongCredentialsAreAPermanentAuthErrorThatDoesNotShowTheSecret() throws {
        let file = try ChannelFixture.file(Array("x".utf8), format: "csv")
        for (access, secret) in [(s3.accessKey, "wrong-secret-canary-1234"), ("AKIAWRONGWRONGWRONG0", s3.secretKey)] {
            let destination = try channel(secretKey: secret, accessKey: access)
            let error = #expect(throws: DeliveryError.self) { try destination.deliver([file], context: ChannelFixture.context()) }
            #expect(error?.category == "auth", "\(String(describing: error))")
            #expect(error?.permanent == true)
            #expect(error?.description.contains(secret) == false)
            let test = #expect(throws: DeliveryError.self) { try destination.testConnection() }
            #expect(test?.category == "auth", "\(String(describing: test))")
        }
        #expect(try keys().isEmpty)
    }

    @Test func aFileAboveTheThresholdGoesUpInPartsAndArrivesWhole() throws {
        var bytes = [UInt8](repeating: 0, count: 11 * 1024 * 1024 + 12_345)
        for index in stride(from: 0, to: bytes.count, by: 1) { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        let detail = try channel(["multipart_threshold_mb": 5]).deliver([try ChannelFixture.file(bytes, format: "zip")], context: ChannelFixture.context())
        #expect(detail.contains("in 3 parts"), "\(detail)")
        let object = try fetch(try #require(try keys().first))
        #expect(object.body.count == bytes.count)
        #expect(Digest.sha256(object.body) == Digest.sha256(bytes))
        #expect(Self.header("Content-Type", object.headers) == "application/zip")
    }

    @Test func serverSideEncryptionIsRequestedWhenSet() throws {
        _ = try channel(["server_side_encryption": "AES256"]).deliver([try ChannelFixture.file(Array("secret report".utf8), format: "csv")],
                                                                      context: ChannelFixture.context())
        let object = try fetch(try #require(try keys().first), head: true)
        #expect(object.status == 200)
        #expect(Self.header("x-amz-server-side-encryption", object.headers) == "AES256")
    }

    @Test func aMissingBucketIsNotFound() throws {
        let error = #expect(throws: DeliveryError.self) {
            try channel(["bucket": "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())"]).testConnection()
        }
        #expect(error?.category == "not found", "\(String(describing: error))")
    }

    @Test func theConnectionTestSignsAListingOfTheBucket() throws {
        let result = try channel().testConnection()
        #expect(result.contains(s3.bucket))
    }

    @Test func gcsUsesTheSamePathWithItsPathStyleAndRegionAuto() throws {
        let detail = try channel(kind: "gcs", ["region": "auto"]).deliver([try ChannelFixture.file(Array("gcs".utf8), format: "json")],
                                                                          context: ChannelFixture.context())
        #expect(detail.hasPrefix("gs://\(s3.bucket)/\(prefix)/"))
        let object = try fetch(try #require(try keys().first))
        #expect(object.body == Array("gcs".utf8))
        #expect(Self.header("Content-Type", object.headers) == "application/json")
    }

    @Test func aLoopbackEndpointIsRefusedWhenNotAllowListed() throws {
        let error = #expect(throws: DeliveryError.self) {
            try channel(allowLoopback: false).deliver([try ChannelFixture.file(Array("x".utf8), format: "csv")], context: ChannelFixture.context())
        }
        #expect(error?.category == "blocked")
        #expect(try keys().isEmpty)
    }

    @Test func s3ErrorCodesFromTheServerAreNamedAndServerErrorsAreTransient() throws {
        let receiver = try DeliveryServers.httpReceiver()
        let base = "/s3-\(UUID().uuidString)"
        let key = "\(base)/\(s3.bucket)/\(prefix)/Sales_2026-11-23.csv"
        let destination = try channel(["endpoint": receiver.url(path: base).absoluteString])
        let file = try ChannelFixture.file(Array("x".utf8), format: "csv")
        let cases: [(status: Int, code: String, category: String, permanent: Bool)] = [
            (503, "SlowDown", "remote rejected", false), (404, "NoSuchBucket", "not found", true),
            (403, "InvalidAccessKeyId", "auth", true), (403, "AccessDenied", "permission", true),
        ]
        for item in cases {
            try receiver.script(path: key, responses: [ScriptedResponse(
                status: item.status, body: "<?xml version=\"1.0\"?><Error><Code>\(item.code)</Code><Message>said \(item.code)</Message></Error>")])
            let error = #expect(throws: DeliveryError.self) { try destination.deliver([file], context: ChannelFixture.context()) }
            #expect(error?.category == item.category, "\(item.code): \(String(describing: error))")
            #expect(error?.permanent == item.permanent, "\(item.code)")
            #expect(error?.description.contains(item.code) == true)
        }
        let request = try #require(try receiver.requests(pathPrefix: key).first)
        #expect(request.method == "PUT")
        #expect(request.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=\(s3.accessKey)/") == true)
        #expect(request.headers["x-amz-content-sha256"] == Hex.encode(Digest.sha256(Array("x".utf8))))
        #expect(request.headers["authorization"]?.contains(s3.secretKey) == false)
    }

    @Test func aFailedPartAbortsTheMultipartUpload() throws {
        let receiver = try DeliveryServers.httpReceiver()
        let base = "/s3-\(UUID().uuidString)"
        let key = "\(base)/\(s3.bucket)/\(prefix)/Sales_2026-11-23.zip"
        // Both parts go up at once, so either may be answered first: both fail.
        try receiver.script(path: key, responses: [
            ScriptedResponse(status: 200, body: "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-42.x</UploadId></InitiateMultipartUploadResult>"),
            ScriptedResponse(status: 500, body: "<Error><Code>InternalError</Code><Message>disk on fire</Message></Error>"),
            ScriptedResponse(status: 500, body: "<Error><Code>InternalError</Code><Message>disk on fire</Message></Error>"),
            ScriptedResponse(status: 204),
        ])
        let file = try ChannelFixture.file([UInt8](repeating: 7, count: 6 * 1024 * 1024), format: "zip")
        let error = #expect(throws: DeliveryError.self) {
            try channel(["endpoint": receiver.url(path: base).absoluteString, "multipart_threshold_mb": 5]).deliver([file], context: ChannelFixture.context())
        }
        #expect(error?.permanent == false)
        #expect(error?.description.contains("InternalError") == true)
        let requests = try receiver.requests(pathPrefix: key)
        // Initiated, both parts sent, then aborted only after neither is in flight; never completed.
        #expect(requests.map(\.method) == ["POST", "PUT", "PUT", "DELETE"])
        #expect(requests.first?.path == "\(key)?uploads=")
        #expect(Set(requests.dropFirst().prefix(2).map(\.path)) == ["\(key)?partNumber=1&uploadId=up-42.x", "\(key)?partNumber=2&uploadId=up-42.x"])
        #expect(requests.last?.path == "\(key)?uploadId=up-42.x")
        #expect(requests.filter { $0.method == "PUT" }.map(\.body.count).sorted() == [1024 * 1024, 5 * 1024 * 1024])
    }
}
