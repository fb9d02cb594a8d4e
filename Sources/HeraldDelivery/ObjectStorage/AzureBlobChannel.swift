import Curl
import Foundation
import HeraldCore

/// Puts a run's files into an Azure Blob Storage container through a SAS token: one `PUT` per file with
/// `x-ms-blob-type: BlockBlob` (a single Put Blob, up to 5,000 MiB). The SAS is a secret: it is added to the URL only
/// when sending and removed from every error. The blob name is deterministic, so a retry overwrites.
struct AzureBlobChannel: DeliveryChannel {
    static let apiVersion = "2021-08-06"
    /// Put Blob's limit since version 2019-12-12.
    static let largestSinglePut: Int64 = 5000 * 1024 * 1024
    static let defaultPath = "{report_name}/{date:yyyy/MM}/{report_name}_{date}_{time}.{format}"

    let settings: AzureBlobDestination.Settings
    let container: HTTPEndpoint
    let sas: String
    let pattern: RemotePathPattern
    let environment: ChannelEnvironment
    let redactor: SecretRedactor

    static func make(settingsJSON: String, secretsJSON: String, environment: ChannelEnvironment) throws -> AzureBlobChannel {
        let (settings, secrets) = try DeliveryChannels.decode(AzureBlobDestination.self, settingsJSON, secretsJSON)
        var sas = secrets.sasToken ?? ""
        if sas.hasPrefix("?") { sas.removeFirst() }
        let pattern: RemotePathPattern
        do { pattern = try RemotePathPattern(settings.path ?? defaultPath, field: "settings.path") } catch {
            throw DeliveryError("the destination's \(error.field) \(error.message); edit the destination", permanent: true)
        }
        // The signature alone, decoded and not, besides the whole token.
        let signature = sas.split(separator: "&").first { $0.hasPrefix("sig=") }.map { String($0.dropFirst(4)) }
        return AzureBlobChannel(settings: settings, container: try HTTPEndpoint(settings.containerUrl), sas: sas, pattern: pattern,
                                environment: environment, redactor: SecretRedactor([sas, signature]))
    }

    var breakerHost: String { "\(container.host):\(container.port)" }

    /// The container's URL without a trailing slash (and without the SAS).
    private var containerURL: String { container.origin + String(container.path.reversed().drop { $0 == "/" }.reversed()) }

    private func blobURL(_ name: String) -> String {
        containerURL + "/" + name.split(separator: "/").map { S3Encoding.component(String($0)) }.joined(separator: "/")
    }

    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        let easy = try setup { try CurlEasy() }
        var placed: [String] = []
        for file in files {
            let name = pattern.segments(reportName: context.reportName, scheduleName: context.scheduleName, localDateTime: context.localDateTime,
                                        format: file.format, executionID: context.executionID.uuidString.lowercased()).joined(separator: "/")
            var info = stat()
            if stat(file.path, &info) == 0, Int64(info.st_size) > Self.largestSinglePut {
                throw DeliveryError("upload: local: \(name) is larger than one Put Blob allows (5000 MiB); block-list uploads are not supported",
                                    permanent: true, category: "local")
            }
            let type = settings.contentType ?? FileContentType.of(format: file.format)
            let status = try send(easy, "PUT", blob: name, step: "upload", headers: ["x-ms-blob-type: BlockBlob", "Content-Type: \(type)"]) {
                try easy.upload(fileAt: file.path)
            }
            guard status == 201 || status == 200 else { throw refusal(easy, step: "upload") }
            placed.append(blobURL(name) + " (\(easy.uploadedBytes) bytes)")
        }
        return placed.joined(separator: "\n")
    }

    /// Puts an empty probe blob and deletes it: the address is allowed, the SAS is valid and may write (and delete).
    func testConnection() throws -> String {
        let easy = try setup { try CurlEasy() }
        let probe = ".herald-connection-test-\(UUID().uuidString.lowercased())"
        let put = try send(easy, "PUT", blob: probe, step: "write probe", headers: ["x-ms-blob-type: BlockBlob", "Content-Type: text/plain"]) {
            try easy.upload(bytes: [])
        }
        guard put == 201 || put == 200 else { throw refusal(easy, step: "write probe") }
        let deleted = try send(easy, "DELETE", blob: probe, step: "delete probe", headers: []) { try easy.method("DELETE") }
        guard deleted == 202 || deleted == 200 || deleted == 204 else {
            return "connected to \(container.host):\(container.port) and wrote a probe blob with the SAS token; deleting it failed (HTTP \(deleted)): "
                + "the token may lack delete permission, so \(probe) was left in the container"
        }
        return "connected to \(container.host):\(container.port), wrote and deleted a probe blob with the SAS token"
    }

    // MARK: Steps

    private func send(_ easy: CurlEasy, _ method: String, blob: String, step: String, headers: [String],
                      body: () throws -> Void) throws -> Int {
        do {
            try easy.reset()
            try environment.prepare(easy, host: container.host, port: container.port)
            try easy.url(blobURL(blob) + (sas.isEmpty ? "" : "?" + sas))
            try easy.protocols("http,https")
            let date = Self.httpDate(Date())
            try easy.headers(headers + ["x-ms-version: \(Self.apiVersion)", "x-ms-date: \(date)", "User-Agent: Herald"])
            easy.captureResponse(limit: 16 * 1024)
            try body()
            try easy.perform()
        } catch let error as CurlError {
            throw redactor.redact(DeliveryError(step: step, error))
        } catch let error as DeliveryError {
            throw redactor.redact(error)
        }
        return easy.responseCode
    }

    /// Azure's answer as a `DeliveryError`: its `x-ms-error-code` (or the XML `<Code>`) and `<Message>`, SAS removed.
    private func refusal(_ easy: CurlEasy, step: String) -> DeliveryError {
        let status = easy.responseCode
        let text = String(decoding: easy.responseBody, as: UTF8.self)
        let code = ResponseText.header("x-ms-error-code", in: easy.responseHeaders) ?? XMLText.first("Code", in: text)
        let category: String = switch code {
        case "AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation": "auth"
        case "AuthorizationFailure", "AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch", "AuthorizationSourceIPMismatch": "permission"
        case "ContainerNotFound", "ResourceNotFound", "BlobNotFound": "not found"
        default: status == 401 ? "auth" : status == 403 ? "permission" : status == 404 ? "not found" : "remote rejected"
        }
        let transient = status == 408 || status == 429 || (500...599).contains(status)
        var message = "\(step): \(category): HTTP \(status)"
        if let code { message += " \(code)" }
        if let detail = XMLText.first("Message", in: text), !detail.isEmpty { message += ": " + ResponseText.quote(Array(detail.utf8)) }
        return DeliveryError(redactor.redact(message), permanent: !transient, category: category)
    }

    private func setup<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CurlError { throw DeliveryError(step: "setup", error) }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
