/// Errors every service may throw; the web layer maps each to one status (404, 403, 409, 422, 429) in one place.

/// The object does not exist, or the actor may not see it: both answer the same, so ids cannot be probed.
public struct NotFound: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was looked for, in words ("schedule").
    public let what: String
    public init(_ what: String) { self.what = what }
    public var description: String { "no such \(what)" }
}

/// The actor may see the object but not do this to it (a viewer changing a schedule shared with them).
public struct Forbidden: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The request clashes with what is stored (a name taken, an object still in use).
public struct Conflict: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Several fields are wrong at once: a form shows each beside its field, the API lists them all.
public struct ValidationErrors: Error, CustomStringConvertible, Sendable, Equatable {
    public let errors: [ValidationError]
    public init(_ errors: [ValidationError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// Too many attempts (sign-in); try again after `retryAfterSeconds`.
public struct Throttled: Error, CustomStringConvertible, Sendable, Equatable {
    public let retryAfterSeconds: Int
    public init(retryAfterSeconds: Int) { self.retryAfterSeconds = retryAfterSeconds }
    public var description: String { "too many attempts; try again in \(retryAfterSeconds) s" }
}

/// Counts failed sign-ins per account (Redis in production), so guessing one account's password gets slower.
public protocol SignInLimiter {
    /// Seconds the account must still wait before another attempt is checked; 0 when it may try now.
    func wait(for account: String) throws -> Int
    func recordFailure(for account: String) throws
    func reset(for account: String) throws
}
