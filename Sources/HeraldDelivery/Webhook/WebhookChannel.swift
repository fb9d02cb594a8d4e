import Curl
import Foundation
import HeraldCore

/// Posts a run's summary (JSON), or its files (`multipart/form-data`), to an HTTP endpoint, or a chat message to a
/// Slack or Teams incoming webhook. Signed when a signing secret is set; the same `Idempotency-Key` on every attempt;
/// retried inside one `deliver` by `WebhookRetryPolicy`. Redirects are never followed: a 3xx is a failure.
struct WebhookChannel: DeliveryChannel {
    let settings: WebhookDestination.Settings
    let secrets: WebhookDestination.Secrets
    let endpoint: HTTPEndpoint
    let environment: ChannelEnvironment
    let expect: StatusRange
    let redactor: SecretRedactor
    var retry = WebhookRetryPolicy()

    static func make(settingsJSON: String, secretsJSON: String, environment: ChannelEnvironment) throws -> WebhookChannel {
        let (settings, secrets) = try DeliveryChannels.decode(WebhookDestination.self, settingsJSON, secretsJSON)
        let preset = settings.preset ?? .none
        let url = (preset == .none ? settings.url : secrets.url) ?? ""
        var redactor = SecretRedactor([secrets.url, secrets.token, secrets.signingSecret])
        let endpoint: HTTPEndpoint
        do { endpoint = try HTTPEndpoint(url) } catch { throw redactor.redact(error) }
        // A preset's path is the secret part of its URL (a receiver may echo it in an error).
        if preset != .none {
            redactor = SecretRedactor([secrets.url, endpoint.path + (endpoint.query.map { "?" + $0 } ?? ""), endpoint.path, secrets.token, secrets.signingSecret])
        }
        return WebhookChannel(settings: settings, secrets: secrets, endpoint: endpoint, environment: environment,
                              expect: settings.expectStatus.flatMap(StatusRange.init) ?? StatusRange("200-299")!, redactor: redactor)
    }

    var preset: WebhookDestination.Preset { settings.preset ?? .none }

    var breakerHost: String { "\(endpoint.host):\(endpoint.port)" }

    /// How the endpoint is named in details and errors: a preset's URL is a secret, so only its host is shown.
    var displayName: String {
        switch preset {
        case .slack: "the Slack incoming webhook at \(endpoint.host)"
        case .teams: "the Teams incoming webhook at \(endpoint.host)"
        case .none: endpoint.origin + endpoint.path
        }
    }

    func deliver(_ files: [RenderedFile], context: DeliveryContext) throws -> String {
        let summary = WebhookSummary(files: files, context: context)
        let easy = try setup { try CurlEasy() }
        try open(easy)
        // What the signature covers: the JSON body, or for `files` the summary part's bytes.
        let signed: [UInt8]
        switch preset {
        case .slack: signed = try ChatMessages.slack(summary)
        case .teams: signed = try ChatMessages.teams(summary)
        case .none: signed = try summary.json()
        }
        let headers = try fixedHeaders(context: context) + (try attachBody(easy, signed: signed, files: files, summary: summary))
        return try post(easy, headers: headers, signed: signed)
    }

    /// Sends until accepted, a permanent failure, the last attempt, or a `Retry-After` beyond the cap. Each attempt is
    /// signed anew (a fresh timestamp); the `Idempotency-Key` among `headers` stays the same.
    private func post(_ easy: CurlEasy, headers: [String], signed: [UInt8]) throws -> String {
        var attempt = 1
        while true {
            var lines = headers
            if let secret = secrets.signingSecret, !secret.isEmpty {
                lines += WebhookSignature.headers(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: signed)
            }
            try setup { try easy.headers(lines) }
            var unanswered: DeliveryError?
            do { try easy.perform() } catch {
                let failure = redactor.redact(DeliveryError(step: "post", error))
                guard error.category == .connect || error.category == .timeout else { throw failure }
                unanswered = failure
            }
            if unanswered == nil, expect.contains(easy.responseCode) {
                return try accepted(easy, status: easy.responseCode, attempts: attempt)
            }
            let failure = unanswered ?? refusal(status: easy.responseCode, easy: easy)
            guard !failure.permanent, attempt < retry.attempts else { throw failure }
            if let wait = failure.retryAfter, wait > retry.cap { throw failure }
            attempt += 1
            Thread.sleep(forTimeInterval: failure.retryAfter ?? retry.backoff(before: attempt))
        }
    }

    /// Puts the body on the handle and returns its header lines: the JSON, or (`payload: files`, not for presets) a
    /// `multipart/form-data` form with a `summary` part and one `files` part per file, read from disk while sending.
    private func attachBody(_ easy: CurlEasy, signed: [UInt8], files: [RenderedFile], summary: WebhookSummary) throws -> [String] {
        guard preset == .none, settings.payload == .files else {
            try setup { try easy.body(signed) }
            return ["Content-Type: application/json"]
        }
        try setup {
            let form = try CurlMime(for: easy)
            let part = try form.addPart()
            try part.name("summary")
            try part.type("application/json")
            try part.data(signed)
            for (file, described) in zip(files, summary.files) {
                let part = try form.addPart()
                try part.name("files")
                try part.fileData(path: file.path)
                try part.fileName(described.name)
                try part.type(FileContentType.of(format: file.format))
            }
            try easy.mime(form)
        }
        return []
    }

    /// Resolves, connects and (for `https`) completes the TLS handshake with a verified certificate, and sends nothing.
    func testConnection() throws -> String {
        let easy = try setup { try CurlEasy() }
        try open(easy)
        try setup { try easy.connectOnly() }
        do { try easy.perform() } catch { throw redactor.redact(DeliveryError(step: "connect", error)) }
        let tls = endpoint.scheme == "https" ? ", completed the TLS handshake and verified the certificate" : ""
        return "resolved \(endpoint.host), connected to port \(endpoint.port)\(tls) (\(displayName)); no request was sent"
    }

    // MARK: Steps

    /// The URL, `http,https` only, the outbound guard, the response kept for checking, basic credentials.
    private func open(_ easy: CurlEasy) throws {
        do { try environment.prepare(easy, host: endpoint.host, port: endpoint.port) } catch let error as CurlError {
            throw DeliveryError(step: "setup", error)
        }
        try setup {
            try easy.url(endpoint.url)
            try easy.protocols("http,https")
            easy.captureResponse(limit: 64 * 1024)
            if settings.auth == .basic { try easy.login(user: settings.username ?? "", password: secrets.token ?? "") }
        }
    }

    private func fixedHeaders(context: DeliveryContext) throws -> [String] {
        var lines = ["User-Agent: Herald", "Expect:",
                     "Idempotency-Key: " + (context.deliveryKey.isEmpty ? context.executionID.uuidString.lowercased() : context.deliveryKey)]
        let token = secrets.token ?? ""
        if token.unicodeScalars.contains(where: HeaderText.isForbidden) {
            throw DeliveryError("auth: the token holds a line break or a control character; edit the destination", permanent: true, category: "auth")
        }
        switch settings.auth ?? .none {
        case .bearer: lines.append("Authorization: Bearer " + token)
        case .header: lines.append("\(settings.headerName ?? "X-API-Key"): " + token)
        case .basic, .none: break
        }
        return lines
    }

    private func accepted(_ easy: CurlEasy, status: Int, attempts: Int) throws -> String {
        if let wanted = settings.expectBody, !wanted.isEmpty, !String(decoding: easy.responseBody, as: UTF8.self).contains(wanted) {
            throw DeliveryError("response: HTTP \(status) but the body does not contain the expected text: "
                                + redactor.redact(ResponseText.quote(easy.responseBody)), permanent: true, category: "remote rejected")
        }
        return "POST \(displayName) → HTTP \(status)" + (attempts > 1 ? " after \(attempts) attempts" : "")
    }

    /// A status outside `expect_status`: transient for 408, 429 and 5xx (with the receiver's `Retry-After`), else permanent.
    private func refusal(status: Int, easy: CurlEasy) -> DeliveryError {
        let quote = redactor.redact(ResponseText.quote(easy.responseBody))
        if WebhookRetryPolicy.isRetryable(status: status) {
            let wait = ResponseText.header("Retry-After", in: easy.responseHeaders).flatMap { RetryAfter.seconds($0) }
            return DeliveryError("response: HTTP \(status) from \(displayName): \(quote)", permanent: false, category: "remote rejected", retryAfter: wait)
        }
        let category = switch status {
        case 401, 403: "auth"
        case 404, 410: "not found"
        default: "remote rejected"
        }
        let redirect = (300...399).contains(status) ? " (redirects are not followed)" : ""
        let step = category == "auth" ? "auth" : "response"
        return DeliveryError("\(step): HTTP \(status) from \(displayName), expected \(settings.expectStatus ?? "200-299")\(redirect): \(quote)",
                             permanent: true, category: category)
    }

    /// Runs a curl setup call; a failure there (an option this libcurl lacks, memory) is local and permanent.
    private func setup<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CurlError { throw redactor.redact(DeliveryError(step: "setup", error)) }
    }
}
