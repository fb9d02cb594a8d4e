import Foundation
import HeraldCore
import HeraldDelivery
import TestSupport
import Testing

/// The Azure Blob channel with the HTTP receiver standing in for the storage account: the SAS `PUT`, the blob path,
/// the headers, the SAS kept out of errors, the probe of the connection test and the outbound guard.
struct AzureBlobChannelTests {
    let receiver: HTTPReceiver
    let container: String
    let sas = "sv=2021-08-06&ss=b&srt=o&sp=rcwd&se=2030-01-01T00%3A00%3A00Z&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"

    init() throws {
        receiver = try DeliveryServers.httpReceiver()
        container = "/azure/\(UUID().uuidString)/reports"
    }

    func channel(_ extra: [String: Any] = [:], allowLoopback: Bool = true) throws -> any DeliveryChannel {
        var settings: [String: Any] = ["container_url": receiver.url(path: container).absoluteString]
        for (name, value) in extra { settings[name] = value }
        return try ChannelFixture.channel("azure", settings: settings, secrets: ["sas_token": "?" + sas], allowLoopback: allowLoopback)
    }

    @Test func eachFileIsPutAsABlockBlobUnderItsPathWithTheSASAndHeaders() throws {
        let bytes = Array("region,total\nnorth,12\n".utf8)
        let detail = try channel(["path": "daily/{report_name}_{date}.{format}"])
            .deliver([try ChannelFixture.file(bytes, format: "csv")], context: ChannelFixture.context(reportName: "Sales EU"))
        #expect(!detail.contains("sig="))
        let request = try #require(try receiver.requests(pathPrefix: container).first)
        #expect(request.method == "PUT")
        #expect(request.path == "\(container)/daily/Sales%20EU_2026-11-23.csv?\(sas)")
        #expect(request.headers["x-ms-blob-type"] == "BlockBlob")
        #expect(request.headers["x-ms-version"] == "2021-08-06")
        #expect(request.headers["content-type"] == "text/csv; charset=utf-8")
        #expect(request.headers["x-ms-date"]?.hasSuffix(" GMT") == true)
        #expect(request.body == bytes)
    }

    @Test func aRefusalIsAnAuthErrorWithoutTheSASToken() throws {
        let blob = "\(container)/Sales/2026/11/Sales_2026-11-23_0700.csv"
        try receiver.script(path: blob, responses: [ScriptedResponse(
            status: 403, headers: ["x-ms-error-code": "AuthenticationFailed"],
            body: "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>Signature did not match. String to sign used was sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D and \(sas)</Message></Error>")])
        let error = #expect(throws: DeliveryError.self) {
            try channel().deliver([try ChannelFixture.file([1, 2, 3], format: "csv")], context: ChannelFixture.context())
        }
        #expect(error?.category == "auth", "\(String(describing: error))")
        #expect(error?.permanent == true)
        #expect(error?.description.contains("AuthenticationFailed") == true)
        #expect(error?.description.contains("c2VjcmV0LXNpZ25hdHVyZQ") == false, "\(String(describing: error))")
        #expect(try receiver.requests(pathPrefix: blob).count == 1)
    }

    @Test func theConnectionTestPutsAndDeletesAProbeBlob() throws {
        let result = try channel().testConnection()
        #expect(result.contains("wrote and deleted"))
        let requests = try receiver.requests(pathPrefix: container)
        #expect(requests.map(\.method) == ["PUT", "DELETE"])
        #expect(requests.first?.path == requests.last?.path)
        #expect(requests.first?.path.hasSuffix("?" + sas) == true)
    }

    @Test func aLoopbackContainerIsRefusedWhenNotAllowListed() throws {
        let error = #expect(throws: DeliveryError.self) {
            try channel(allowLoopback: false).deliver([try ChannelFixture.file([1], format: "csv")], context: ChannelFixture.context())
        }
        #expect(error?.category == "blocked")
        #expect(try receiver.requests(pathPrefix: container).isEmpty)
    }
}
