import Curl

/// Why a delivery (or a connection test) failed: the step that failed (`dns`, `connect`, `tls`, `auth`, `upload`,
/// `rename` …), a category the history shows, whether a retry can help, and how long the receiver asked us to wait.
/// Never holds a secret: curl's error buffer names hosts and paths, and channels add only what they configured.
public struct DeliveryError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// Retrying cannot help (bad settings, a refused login, a blocked address): the delivery is dead at once.
    public let permanent: Bool
    /// `CurlError.Category`'s names, or nil when the channel decided alone.
    public let category: String?
    /// The receiver's `Retry-After`, in seconds: the next attempt waits at least this long.
    public let retryAfter: Double?

    public init(_ description: String, permanent: Bool = false, category: String? = nil, retryAfter: Double? = nil) {
        self.description = description
        self.permanent = permanent
        self.category = category
        self.retryAfter = retryAfter
    }

    /// A failed transfer, as `step: category: curl's message`.
    public init(step: String, _ error: CurlError) {
        self.init("\(step): \(error.description)", permanent: !error.isTransient, category: error.category.rawValue)
    }
}
