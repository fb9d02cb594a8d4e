/// Every failure of the Postgres module. The description carries what the server said (SQLSTATE, message, detail,
/// hint) and, for decoding, the column and type; it never carries bound parameter values, which may be secrets.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect.
        case connection
        /// The server rejected a statement.
        case query
        /// The connection dropped; the next call on the same connection reconnects.
        case connectionLost
        /// A value could not be decoded into the requested Swift type.
        case decoding
        /// Waiting timed out.
        case timeout
    }

    public let kind: Kind
    public let sqlState: String?
    public let message: String
    public let detail: String?
    public let hint: String?
    public let column: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
                column: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.column = column
    }

    /// `23505`: a UNIQUE constraint refused the row.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// The server could not be reached or went away (connection failures, SQLSTATE class 08, an administrator or
    /// crash shutdown, a server still starting): trying again later may work, unlike a bad query or a timeout.
    public var isTransient: Bool {
        kind == .connection || kind == .connectionLost || sqlState?.hasPrefix("08") == true
            || ["57P01", "57P02", "57P03"].contains(sqlState ?? "")
    }

    public var description: String {
        var text = sqlState.map { "[SQLSTATE \($0)] " } ?? ""
        if let column { text += "column \"\(column)\": " }
        text += message
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}
