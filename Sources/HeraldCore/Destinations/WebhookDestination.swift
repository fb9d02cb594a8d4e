/// An HTTP endpoint that receives a JSON summary of each run (or the files as `multipart/form-data`), signed with
/// `X-Herald-Signature`; Slack and Microsoft Teams incoming webhooks are presets whose URL is itself the secret.
public enum WebhookDestination: DestinationDefinition {
    public static let kind = DestinationKind.webhook

    public enum Preset: String, Codable, Sendable { case none, slack, teams }
    public enum Payload: String, Codable, Sendable { case summary, files }
    public enum Auth: String, Codable, Sendable { case none, bearer, basic, header }

    public struct Settings: Codable, Sendable, Equatable {
        /// The endpoint (not for presets: their URL is `secrets.url`).
        public var url: String?
        public var preset: Preset?
        public var payload: Payload?
        public var auth: Auth?
        /// For `header` auth: the header's name (`X-API-Key`).
        public var headerName: String?
        /// For `basic` auth.
        public var username: String?
        /// Accepted statuses, `200-299` (default) or `200,202`.
        public var expectStatus: String?
        /// A substring the response body must contain.
        public var expectBody: String?
    }

    public struct Secrets: Codable, Sendable, Equatable {
        /// Slack's or Teams' incoming-webhook URL.
        public var url: String?
        /// Bearer token, basic password, or the API-key header's value.
        public var token: String?
        /// The HMAC key of `X-Herald-Signature`.
        public var signingSecret: String?
    }

    public static func validate(_ settings: Settings, secrets: Secrets) -> [ValidationError] {
        var errors: [ValidationError] = []
        let preset = settings.preset ?? .none
        if preset == .none {
            if let url = settings.url { errors.collect { try OutboundURL.check(url, field: "settings.url") } } else {
                errors.append(ValidationError(field: "settings.url", message: "is required"))
            }
        } else {
            if settings.url != nil { errors.append(ValidationError(field: "settings.url", message: "must be empty for a \(preset.rawValue) preset: its URL is a secret")) }
            if let url = secrets.url { errors.collect { try OutboundURL.check(url, field: "secrets.url") } } else {
                errors.append(ValidationError(field: "secrets.url", message: "is required (the incoming-webhook URL)"))
            }
        }
        switch settings.auth ?? .none {
        case .none: break
        case .bearer, .basic, .header:
            if (secrets.token ?? "").isEmpty { errors.append(ValidationError(field: "secrets.token", message: "is required for this kind of authentication")) }
        }
        if settings.auth == .basic, (settings.username ?? "").isEmpty || settings.username!.contains(":") {
            errors.append(ValidationError(field: "settings.username", message: "is required for basic authentication, without a colon"))
        }
        if settings.auth == .header {
            let name = settings.headerName ?? ""
            if name.isEmpty || !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }) {
                errors.append(ValidationError(field: "settings.header_name", message: "must be a header name such as X-API-Key"))
            }
        }
        if let expect = settings.expectStatus, StatusRange(expect) == nil {
            errors.append(ValidationError(field: "settings.expect_status", message: "must look like 200-299 or 200,202"))
        }
        return errors
    }
}

/// `200-299` or `200,201,204`: which HTTP statuses count as delivered.
public struct StatusRange: Sendable, Equatable {
    public let ranges: [ClosedRange<Int>]

    public init?(_ text: String) {
        var ranges: [ClosedRange<Int>] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                  (100...599).contains(low), (low...599).contains(high) else { return nil }
            ranges.append(low...high)
        }
        guard !ranges.isEmpty else { return nil }
        self.ranges = ranges
    }

    public func contains(_ status: Int) -> Bool { ranges.contains { $0.contains(status) } }
}
