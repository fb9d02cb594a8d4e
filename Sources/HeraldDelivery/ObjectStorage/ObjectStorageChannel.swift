import Foundation
import HeraldCore

/// Puts a run's files into an S3 bucket, an S3-compatible server's, or a Google Cloud Storage bucket through its
/// S3-interoperable XML API (HMAC keys, region `auto`). The key is the destination's pattern applied to the run's
/// logical time, so a retry overwrites the same object; files above the threshold go up in parts.
struct ObjectStorageChannel: DeliveryChannel {
    let kind: DestinationKind
    let settings: ObjectStorageDestination.Settings
    let location: S3Location
    let region: String
    let keyPattern: RemotePathPattern
    let accessKey: String
    let secretKey: String
    let environment: ChannelEnvironment
    let redactor: SecretRedactor

    static let defaultKey = "{report_name}/{date:yyyy/MM}/{report_name}_{date}_{time}.{format}"

    static func make(kind: DestinationKind, settingsJSON: String, secretsJSON: String, environment: ChannelEnvironment) throws -> ObjectStorageChannel {
        let (settings, secrets) = try DeliveryChannels.decode(ObjectStorageDestination.self, settingsJSON, secretsJSON)
        let gcs = kind == .gcs
        let region = settings.region ?? (gcs ? "auto" : "us-east-1")
        let endpoint = try HTTPEndpoint(settings.endpoint ?? (gcs ? "https://storage.googleapis.com" : "https://s3.\(region).amazonaws.com"))
        let pattern: RemotePathPattern
        do { pattern = try RemotePathPattern(settings.key ?? defaultKey, field: "settings.key") } catch {
            throw DeliveryError("the destination's \(error.field) \(error.message); edit the destination", permanent: true)
        }
        return ObjectStorageChannel(kind: kind, settings: settings,
                                    location: S3Location(endpoint: endpoint, bucket: settings.bucket, pathStyle: settings.pathStyle ?? gcs),
                                    region: region, keyPattern: pattern, accessKey: secrets.accessKeyId ?? "", secretKey: secrets.secretAccessKey ?? "",
                                    environment: environment, redactor: SecretRedactor([secrets.secretAccessKey]))
    }

    var breakerHost: String { "\(location.host):\(location.endpoint.port)" }

    private var scheme: String { kind == .gcs ? "gs" : "s3" }

    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        let session = try S3Session(location: location, environment: environment, region: region, accessKey: accessKey, secretKey: secretKey, redactor: redactor)
        let threshold = Int64(settings.multipartThresholdMb ?? ObjectStorageDestination.defaultMultipartThresholdMb) * 1024 * 1024
        var placed: [String] = []
        for file in files {
            let key = keyPattern.segments(reportName: context.reportName, scheduleName: context.scheduleName, localDateTime: context.localDateTime,
                                          format: file.format, executionID: context.executionID.uuidString.lowercased()).joined(separator: "/")
            var headers = ["Content-Type: " + (settings.contentType ?? FileContentType.of(format: file.format))]
            if let sse = settings.serverSideEncryption { headers.append("x-amz-server-side-encryption: \(sse)") }
            var info = stat()
            guard stat(file.path, &info) == 0 else {
                throw DeliveryError("upload: local: cannot read \(file.path): \(String(cString: strerror(errno)))", permanent: true, category: "local")
            }
            let size = Int64(info.st_size)
            if size > threshold {
                let parts = try S3MultipartUpload(session: session, key: key, objectHeaders: headers)
                    .upload(path: file.path, size: size, partSize: S3MultipartUpload.partSize(fileSize: size, threshold: threshold))
                placed.append("\(scheme)://\(settings.bucket)/\(key) (\(size) bytes in \(parts) parts)")
            } else {
                let response = try session.send("PUT", key: key, headers: headers, body: .file(path: file.path, offset: 0, length: size), step: "upload")
                guard response.status == 200 else { throw S3ErrorResponse(status: response.status, body: response.body).error(step: "upload", redactor: redactor) }
                placed.append("\(scheme)://\(settings.bucket)/\(key) (\(size) bytes)")
            }
        }
        return placed.joined(separator: "\n")
    }

    /// A signed listing of at most zero keys: the address is allowed, the keys sign correctly and the bucket exists.
    /// Writes nothing (a key allowed only to write, not to list, fails here with `permission`).
    func testConnection() throws -> String {
        let session = try S3Session(location: location, environment: environment, region: region, accessKey: accessKey, secretKey: secretKey, redactor: redactor)
        let response = try session.send("GET", key: nil, query: "max-keys=0", step: "list bucket")
        guard response.status == 200 else { throw S3ErrorResponse(status: response.status, body: response.body).error(step: "list bucket", redactor: redactor) }
        return "connected to \(location.host):\(location.endpoint.port), signed in with the access key and found the bucket \(settings.bucket) (a signed listing); nothing was written"
    }
}
