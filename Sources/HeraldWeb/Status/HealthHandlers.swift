import Foundation

/// One dependency `/readyz` checks. Each FastCGI thread owns its own checks (and so their connections), which is
/// why checks need not be Sendable. `output` is public: it must never contain a secret or a connection string.
public protocol ReadinessCheck: AnyObject {
    /// draft-inadarei-api-health-check key, e.g. `postgresql:responseTime`.
    var name: String { get }
    func run() -> ReadinessResult
}

public struct ReadinessResult: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, Comparable {
        case pass, warn, fail
        var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var status: Status
    public var observedValue: Double?
    public var observedUnit: String?
    public var output: String?

    public init(status: Status, observedValue: Double? = nil, observedUnit: String? = nil, output: String? = nil) {
        self.status = status
        self.observedValue = observedValue
        self.observedUnit = observedUnit
        self.output = output
    }

    public static func pass(milliseconds: Double) -> ReadinessResult {
        ReadinessResult(status: .pass, observedValue: milliseconds, observedUnit: "ms")
    }

    public static func fail(_ output: String) -> ReadinessResult { ReadinessResult(status: .fail, output: output) }
}

/// `/healthz` (the process answers) and `/readyz` (its dependencies answer), as `application/health+json`.
enum HealthHandlers {
    static let contentType = "application/health+json"

    struct Health: Encodable {
        let status: ReadinessResult.Status
        let checks: [String: [ReadinessResult]]?
    }

    static func liveness() throws -> HTTPResponse {
        var response = try HTTPResponse.json(Health(status: .pass, checks: nil), contentType: contentType, keepingKeys: true)
        response.headers.append(("Cache-Control", "no-store"))
        return response
    }

    static func readiness(_ checks: [any ReadinessCheck]) throws -> HTTPResponse {
        var results: [String: [ReadinessResult]] = [:]
        for check in checks { results[check.name] = [check.run()] }
        let overall = results.values.flatMap { $0 }.map(\.status).max() ?? .pass
        var response = try HTTPResponse.json(Health(status: overall, checks: results),
                                         status: overall == .fail ? .serviceUnavailable : .ok, contentType: contentType, keepingKeys: true)
        response.headers.append(("Cache-Control", "no-store"))
        return response
    }
}

extension ReadinessResult: Encodable {
    enum CodingKeys: String, CodingKey { case status, observedValue, observedUnit, output }
}
