/// One check's outcome: what `herald doctor` prints as a line (and the offending items under it).
public struct DoctorResult: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, Comparable {
        case ok, warning, failed

        private var rank: Int { self == .ok ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public let name: String
    public let status: Status
    /// One line, for a person; never a secret.
    public let message: String
    /// The offending paths or ids, at most `itemLimit` of them.
    public let items: [String]
    /// How many there were in all (more than `items.count` when capped).
    public let itemTotal: Int

    /// Enough to start repairing; a broken data folder could otherwise print millions of lines.
    public static let itemLimit = 20

    public init(_ name: String, _ status: Status, _ message: String, items: [String] = [], itemTotal: Int? = nil) {
        self.name = name
        self.status = status
        self.message = message
        self.items = Array(items.prefix(Self.itemLimit))
        self.itemTotal = itemTotal ?? items.count
    }

    enum CodingKeys: String, CodingKey {
        case name, status, message, items
        case itemTotal = "item_total"
    }
}

extension [DoctorResult] {
    /// The worst status among the results (ok when there are none).
    public var worst: DoctorResult.Status { map(\.status).max() ?? .ok }
}
