/// Every failure of the Postgres module. The description carries what the server said (SQLSTATE, message, hint, and
/// the names of the constraint, table and column involved) and, for decoding, the column and type. It never carries
/// values: not bound parameters, which may be secrets, and not the server's DETAIL, which echoes row values
/// (`Key (email)=(…) already exists`) and is therefore not kept at all.
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
    public let hint: String?
    /// The column being decoded, or the column the server named (PG_DIAG_COLUMN_NAME).
    public let column: String?
    /// The constraint and table the server named, e.g. for a unique violation.
    public let constraint: String?
    public let table: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, hint: String? = nil, column: String? = nil,
                constraint: String? = nil, table: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.hint = hint
        self.column = column
        self.constraint = constraint
        self.table = table
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
        if let constraint { text += " (constraint: \(constraint))" }
        if let table { text += " (table: \(table))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}
