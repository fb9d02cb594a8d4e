import Foundation
import Crypto
import HeraldCore
import HeraldDelivery
import HeraldStore
import Logging
import Postgres
import Redis

/// What `herald web` is configured with, for every handler.
public struct WebSettings: Sendable {
    public var session: SessionService.Settings
    public var secretKey: [UInt8]
    /// `HERALD_SECRET_KEY_PREVIOUS`, while `herald secrets rotate` is under way.
    public var previousSecretKey: [UInt8]?
    public var baseURL: String
    /// The shortest gap allowed between a schedule's runs, in seconds.
    public var minimumInterval: Int64
    public var maxSchedulesPerUser: Int
    /// The largest row limit a report may set (`HERALD_MAX_ROW_LIMIT`).
    public var maxRowLimit: Int
    /// The most slots one backfill may queue (`HERALD_MAX_BACKFILL`).
    public var maxBackfill: Int
    /// Folder destinations deliver below this folder, never elsewhere.
    public var deliveryRoot: String
    public var dataDirectory: String
    /// Each web database session's `statement_timeout`: a slow page must not hold a connection for long.
    public var statementTimeoutMs: Int
    /// What connection tests reach and trust (the schedulers deliver with the same).
    public var channels: ChannelEnvironment
    /// `HERALD_ALERT_EVERY`: the standard alert rule's N, shown where a user or schedule did not set their own.
    public var alertEvery = 5

    public init(secretKey: [UInt8], baseURL: String = "https://localhost:8443", minimumInterval: Int64 = 3600,
                maxSchedulesPerUser: Int = 10, maxRowLimit: Int = 10_000_000, deliveryRoot: String = "/var/lib/herald/deliveries",
                dataDirectory: String = "/var/lib/herald", statementTimeoutMs: Int = 10_000,
                session: SessionService.Settings = SessionService.Settings(), maxBackfill: Int = 366) {
        self.secretKey = secretKey
        self.baseURL = baseURL
        self.minimumInterval = minimumInterval
        self.maxSchedulesPerUser = maxSchedulesPerUser
        self.maxRowLimit = maxRowLimit
        self.maxBackfill = maxBackfill
        self.deliveryRoot = deliveryRoot
        self.dataDirectory = dataDirectory
        self.statementTimeoutMs = statementTimeoutMs
        self.session = session
        channels = ChannelEnvironment(deliveryRoot: deliveryRoot)
    }

    /// Seals and opens stored secrets.
    public func keyring() throws -> SecretKeyring { try SecretKeyring(current: secretKey, previous: previousSecretKey) }
}

/// One FastCGI thread's own PostgreSQL and Redis connections, opened when first needed (a thread that only answers
/// `/healthz` never opens one) and reopened after a failure.
public final class WebConnections: @unchecked Sendable {
    let databaseURL: String
    let redisURL: String
    let statementTimeoutMs: Int
    private var storeConnection: PostgresConnection?
    private var redisConnection: RedisConnection?

    public init(databaseURL: String, redisURL: String, statementTimeoutMs: Int = 10_000) {
        self.databaseURL = databaseURL
        self.redisURL = redisURL
        self.statementTimeoutMs = statementTimeoutMs
    }

    public func store() throws -> PostgresConnection {
        // A connection the server closed while this thread waited for requests (a restart) is replaced here, before
        // a statement fails on it.
        if let storeConnection, storeConnection.isConnected, !storeConnection.closedByServerWhileIdle() { return storeConnection }
        let connection = try PostgresConnection(url: databaseURL)
        try connection.execute(PostgresQuery(unsafeSQL: "SET statement_timeout = \(max(statementTimeoutMs, 1))"))
        storeConnection = connection
        return connection
    }

    public func redis() throws -> RedisConnection {
        if let redisConnection { return redisConnection }
        let connection = try RedisConnection(url: redisURL, commandTimeout: 5)
        redisConnection = connection
        return connection
    }

    /// Drops the Redis connection after an error, so the next request reconnects.
    func resetRedis() { redisConnection = nil }
}

/// Everything a handler gets: the request, the thread's connections, who is signed in and how, the session's CSRF
/// token, and a logger that carries the request id.
public final class RequestContext {
    public enum Authentication: Sendable, Equatable { case cookie, token }

    public let request: HTTPRequest
    public let settings: WebSettings
    public let logger: Logger
    let connections: WebConnections
    public internal(set) var principal: Principal?
    public internal(set) var session: SessionService.Session?
    public internal(set) var authentication: Authentication?
    /// `Set-Cookie` values the response will carry.
    public var cookies: [String] = []

    init(request: HTTPRequest, settings: WebSettings, connections: WebConnections, logger: Logger) {
        self.request = request
        self.settings = settings
        self.connections = connections
        var logger = logger
        logger[metadataKey: "request_id"] = "\(request.requestID)"
        self.logger = logger
    }

    public func store() throws -> PostgresConnection { try connections.store() }
    public func redis() throws -> RedisConnection { try connections.redis() }

    /// The signed-in actor; routes with `.signedIn` access always have one.
    public var actor: Actor {
        guard let principal else { preconditionFailure("a signed-in route ran without a principal") }
        return .user(principal)
    }

    /// The `:name` segment as an id; one that is not an id is the same 404 as an unknown one.
    public func id(_ name: String, _ what: String) throws -> UUID {
        guard let text = request.parameters[name], let id = UUID(uuidString: text) else { throw NotFound(what) }
        return id
    }
}
