import Foundation

/// S3 or an S3-compatible server (MinIO, moto), and Google Cloud Storage through its S3-interoperable XML API with
/// HMAC keys: SigV4-signed `PUT`s, multipart above a size. Object keys are deterministic (the run's logical time),
/// so a retry overwrites rather than duplicates.
public enum ObjectStorageDestination: DestinationDefinition {
    public static let kind = DestinationKind.s3

    public struct Settings: Codable, Sendable, Equatable {
        public var bucket: String
        /// `us-east-1`; for GCS `auto`.
        public var region: String?
        /// `https://s3.eu-central-1.amazonaws.com`, `https://storage.googleapis.com`, a MinIO URL; nil: AWS's for the region.
        public var endpoint: String?
        /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`.
        public var pathStyle: Bool?
        /// A `RemotePathPattern`; default `{report_name}/{date:yyyy/MM}/{report_name}_{date}_{time}.{format}`.
        public var key: String?
        /// Overrides the type guessed from the format.
        public var contentType: String?
        /// `AES256` or `aws:kms` (`x-amz-server-side-encryption`).
        public var serverSideEncryption: String?
        /// Files larger than this many MiB go up in parts (default `defaultMultipartThresholdMb`; at least 5).
        public var multipartThresholdMb: Int?
    }

    /// rclone's `--s3-upload-cutoff`: below it one signed PUT is the quickest way up (one read for the hash, one
    /// request); above it parts go up four at a time and a failed one is re-sent alone.
    public static let defaultMultipartThresholdMb = 200

    public struct Secrets: Codable, Sendable, Equatable {
        public var accessKeyId: String?
        public var secretAccessKey: String?
    }

    public static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError] {
        var errors: [ValidationError] = []
        let bucketOK = settings.bucket.count >= 3 && settings.bucket.count <= 63
            && settings.bucket.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
        if !bucketOK { errors.append(ValidationError(field: "settings.bucket", message: "must be 3–63 lower-case letters, digits, - or .")) }
        if let region = settings.region, region.isEmpty || !region.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }) {
            errors.append(ValidationError(field: "settings.region", message: "must look like us-east-1"))
        }
        if let endpoint = settings.endpoint { errors.collect { try OutboundURL.check(endpoint, field: "settings.endpoint") } }
        if let key = settings.key { errors.collect { _ = try RemotePathPattern(key, field: "settings.key") } }
        if let type = settings.contentType { errors.collect { try HeaderText.check(type, field: "settings.content_type", maximum: 200) } }
        if let sse = settings.serverSideEncryption, sse != "AES256", sse != "aws:kms" {
            errors.append(ValidationError(field: "settings.server_side_encryption", message: "must be AES256 or aws:kms"))
        }
        if let size = settings.multipartThresholdMb, size < 5 || size > 5000 {
            errors.append(ValidationError(field: "settings.multipart_threshold_mb", message: "must be between 5 and 5000"))
        }
        if (secrets.accessKeyId ?? "").isEmpty { errors.append(ValidationError(field: "secrets.access_key_id", message: "is required")) }
        if (secrets.secretAccessKey ?? "").isEmpty { errors.append(ValidationError(field: "secrets.secret_access_key", message: "is required")) }
        return errors
    }
}

/// Azure Blob Storage through a SAS token: `PUT https://account.blob.core.windows.net/container/path?SAS` with
/// `x-ms-blob-type: BlockBlob`.
public enum AzureBlobDestination: DestinationDefinition {
    public static let kind = DestinationKind.azure

    public struct Settings: Codable, Sendable, Equatable {
        /// `https://account.blob.core.windows.net/container`, without the SAS query.
        public var containerUrl: String
        /// A `RemotePathPattern` for the blob name.
        public var path: String?
        public var contentType: String?
    }

    public struct Secrets: Codable, Sendable, Equatable {
        /// The SAS query (`sv=…&sig=…`), with or without its leading `?`.
        public var sasToken: String?
    }

    public static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError] {
        var errors: [ValidationError] = []
        errors.collect { try OutboundURL.check(settings.containerUrl, field: "settings.container_url") }
        if settings.containerUrl.contains("?") {
            errors.append(ValidationError(field: "settings.container_url", message: "must not hold the SAS token (put it in the SAS token field)"))
        }
        if let path = settings.path { errors.collect { _ = try RemotePathPattern(path, field: "settings.path") } }
        if (secrets.sasToken ?? "").isEmpty { errors.append(ValidationError(field: "secrets.sas_token", message: "is required")) }
        return errors
    }
}

/// A URL a user may point Herald at: `http` or `https` only, a host, no credentials in it. Whether its address may be
/// reached is the outbound guard's question, asked when connecting.
public enum OutboundURL {
    public static func check(_ url: String, field: String) throws(ValidationError) {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parsed.host, !host.isEmpty else {
            throw ValidationError(field: field, message: "must be an http:// or https:// URL")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw ValidationError(field: field, message: "must not contain a user name or password (use the credential fields)")
        }
        guard url.count <= 2000, !url.unicodeScalars.contains(where: HeaderText.isForbidden) else {
            throw ValidationError(field: field, message: "must be one line of at most 2000 characters")
        }
    }
}
