import Foundation
import HeraldCore
@testable import HeraldDelivery
import Testing

/// The pure parts of the HTTP channels: how URLs are taken apart and built, SigV4's encoding, `Retry-After`, backoff.
struct ChannelAddressingTests {
    static let environment = ChannelEnvironment(deliveryRoot: "/tmp")

    static func objectStorage(_ kind: DestinationKind, _ settings: String) throws -> ObjectStorageChannel {
        try ObjectStorageChannel.make(kind: kind, settingsJSON: settings, secretsJSON: #"{"access_key_id":"AK","secret_access_key":"SK"}"#,
                                      environment: environment)
    }

    @Test func s3DefaultsToVirtualHostedAWSForTheRegionAndGCSToPathStyleOnGoogle() throws {
        let aws = try Self.objectStorage(.s3, #"{"bucket":"reports","region":"eu-central-1"}"#)
        #expect(aws.location.url(key: "Sales/2026/Sales 1.csv") == "https://reports.s3.eu-central-1.amazonaws.com/Sales/2026/Sales%201.csv")
        #expect(aws.breakerHost == "reports.s3.eu-central-1.amazonaws.com:443")
        let gcs = try Self.objectStorage(.gcs, #"{"bucket":"reports"}"#)
        #expect(gcs.region == "auto")
        #expect(gcs.location.url(key: "a/b.csv", query: "uploads=") == "https://storage.googleapis.com/reports/a/b.csv?uploads=")
        let minio = try Self.objectStorage(.s3, #"{"bucket":"reports","endpoint":"http://minio.internal:9000/s3/","path_style":true}"#)
        #expect(minio.location.url(key: "k") == "http://minio.internal:9000/s3/reports/k")
        let numeric = try Self.objectStorage(.s3, #"{"bucket":"reports","endpoint":"http://10.1.2.3:9000"}"#)
        #expect(numeric.location.url(key: nil, query: "max-keys=0") == "http://10.1.2.3:9000/reports/?max-keys=0")
    }

    @Test func sigV4EncodingKeepsOnlyUnreservedBytesAndSortsTheQuery() {
        #expect(S3Encoding.component("a b/ü+~_.-") == "a%20b%2F%C3%BC%2B~_.-")
        #expect(S3Encoding.query([("uploadId", "x/y="), ("partNumber", "2")]) == "partNumber=2&uploadId=x%2Fy%3D")
    }

    @Test func endpointsKeepTheirHostPortAndPathAndRefuseOtherSchemes() throws {
        let v6 = try HTTPEndpoint("https://[2001:db8::1]:8443/hook?a=1")
        #expect(v6.host == "2001:db8::1")
        #expect(v6.port == 8443)
        #expect(v6.url == "https://[2001:db8::1]:8443/hook?a=1")
        #expect(v6.hostIsAddress)
        #expect(try HTTPEndpoint("http://example.org").url == "http://example.org/")
        #expect(try !HTTPEndpoint("https://hooks.slack.com/services/T/B/X").hostIsAddress)
        for url in ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.org/"] {
            let error = #expect(throws: DeliveryError.self) { try HTTPEndpoint(url) }
            #expect(error?.permanent == true)
        }
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(RetryAfter.seconds("2") == 2)
        #expect(RetryAfter.seconds(" 120 ") == 120)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.seconds(formatter.string(from: now.addingTimeInterval(90)), now: now) == 90)
        #expect(RetryAfter.seconds(formatter.string(from: now.addingTimeInterval(-90)), now: now) == 0)
        #expect(RetryAfter.seconds("soon") == nil)
        #expect(RetryAfter.seconds("-3") == nil)
    }

    @Test func backoffDoublesWithJitterAndOnlyRetryableStatusesRetry() {
        let policy = WebhookRetryPolicy()
        for _ in 0..<50 {
            #expect((0.375...0.625).contains(policy.backoff(before: 2)))
            #expect((0.75...1.25).contains(policy.backoff(before: 3)))
        }
        #expect([408, 429, 500, 503, 599].allSatisfy(WebhookRetryPolicy.isRetryable))
        #expect(![400, 401, 403, 404, 409, 422, 302].contains(where: WebhookRetryPolicy.isRetryable))
    }

    @Test func theRedactorRemovesSecretsInRawAndEncodedForms() {
        let redactor = SecretRedactor(["sig=a+b/c", nil, "abc"])
        #expect(redactor.redact("x sig=a+b/c y") == "x [redacted] y")
        #expect(redactor.redact("x sig%3Da%2Bb%2Fc y") == "x [redacted] y")
        #expect(redactor.redact("abc stays: too short to be a secret") == "abc stays: too short to be a secret")
    }
}
