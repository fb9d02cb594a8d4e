import HeraldCore

/// Who may call a route. Ownership of the objects a handler touches is checked by the services it calls.
public enum Access: Sendable, Equatable {
    /// Anyone, signed in or not (sign-in, health, the OpenAPI document).
    case anyone
    /// A signed-in user with at least this role.
    case signedIn(UserRole)
}

/// Maps method + path to a handler. Patterns are `/`-separated segments where `:name` captures one segment.
/// A trailing slash is ignored (`/schedules/` matches `/schedules`). HEAD is answered by GET routes. When several
/// patterns match, literal segments win over parameters from left to right (`/schedules/new` over
/// `/schedules/:id`), whatever the order the routes were added in.
public struct Router: Sendable {
    public typealias Handler = @Sendable (RequestContext) throws -> HTTPResponse

    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        public let access: Access
        let segments: [Segment]
        let handler: Handler
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    /// What matching produced.
    public enum Match {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public private(set) var routes: [Route] = []
    /// The routes whose patterns have no parameter, by their segments joined with `/`: such a pattern is the most
    /// specific one for its path, so most requests are matched by one look-up instead of a walk over every route.
    private var literalRoutes: [String: [Int]] = [:]

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ access: Access, _ handler: @escaping Handler) {
        let segments = Self.split(pattern).map { $0.hasPrefix(":") ? Segment.parameter(String($0.dropFirst())) : .literal($0) }
        precondition(!routes.contains { $0.method == method.uppercased() && $0.segments == segments }, "\(method) \(pattern) is registered twice")
        if segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            literalRoutes[Self.split(pattern).joined(separator: "/"), default: []].append(routes.count)
        }
        routes.append(Route(method: method.uppercased(), pattern: pattern, access: access, segments: segments, handler: handler))
    }

    public mutating func get(_ pattern: String, _ access: Access, _ handler: @escaping Handler) { add("GET", pattern, access, handler) }
    public mutating func post(_ pattern: String, _ access: Access, _ handler: @escaping Handler) { add("POST", pattern, access, handler) }
    public mutating func put(_ pattern: String, _ access: Access, _ handler: @escaping Handler) { add("PUT", pattern, access, handler) }
    public mutating func patch(_ pattern: String, _ access: Access, _ handler: @escaping Handler) { add("PATCH", pattern, access, handler) }
    public mutating func delete(_ pattern: String, _ access: Access, _ handler: @escaping Handler) { add("DELETE", pattern, access, handler) }

    public func match(method: String, path: String) -> Match {
        let parts = Self.split(path)
        let wanted = method == "HEAD" ? "GET" : method
        // The most specific pattern that matches the path decides; among its methods, the wanted one.
        var candidates: [(Route, [String: String])] = []
        if let literal = literalRoutes[parts.joined(separator: "/")] {
            candidates = literal.map { (routes[$0], [:]) }
        } else {
            var best: [Segment]?
            for route in routes {
                guard let parameters = Self.bind(route.segments, to: parts) else { continue }
                if let current = best, Self.isMoreSpecific(current, than: route.segments) { continue }
                if let current = best, !Self.sameShape(current, route.segments) { candidates = [] }
                best = route.segments
                candidates.append((route, parameters))
            }
        }
        guard !candidates.isEmpty else { return .notFound }
        if let (route, parameters) = candidates.first(where: { $0.0.method == wanted }) { return .found(route, parameters: parameters) }
        var allowed = Set(candidates.map(\.0.method))
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allowed: allowed.sorted())
    }

    /// Left to right, the first segment where one is literal and the other a parameter decides.
    static func isMoreSpecific(_ a: [Segment], than b: [Segment]) -> Bool {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }

    static func sameShape(_ a: [Segment], _ b: [Segment]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            switch (x, y) {
            case (.literal(let l), .literal(let r)): l == r
            case (.parameter, .parameter): true
            default: false
            }
        }
    }

    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    static func bind(_ segments: [Segment], to parts: [String]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text): if text != part { return nil }
            case .parameter(let name): parameters[name] = part
            }
        }
        return parameters
    }
}
