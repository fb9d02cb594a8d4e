import Foundation

/// Who is signed in (by session cookie or API token): what every service checks roles and ownership against.
public struct Principal: Sendable, Equatable {
    public let userID: UUID
    public let email: String
    public let displayName: String
    public let role: UserRole
    public let timeZone: String

    public init(userID: UUID, email: String, displayName: String, role: UserRole, timeZone: String) {
        self.userID = userID
        self.email = email
        self.displayName = displayName
        self.role = role
        self.timeZone = timeZone
    }

    /// Admins may do everything; creators what viewers may and more.
    public func has(_ needed: UserRole) -> Bool {
        switch needed {
        case .viewer: true
        case .creator: role == .creator || role == .admin
        case .admin: role == .admin
        }
    }
}

/// Who asks a service for something: a signed-in user, or the operator at the command line (`herald ...`), who may
/// do what an admin may. `label` goes into the audit log.
public struct Actor: Sendable, Equatable {
    public let principal: Principal?
    public let label: String

    public static func user(_ principal: Principal) -> Actor { Actor(principal: principal, label: principal.email) }
    public static let commandLine = Actor(principal: nil, label: "cli")

    public var userID: UUID? { principal?.userID }
    public var isAdmin: Bool { principal.map { $0.role == .admin } ?? true }
    public func has(_ role: UserRole) -> Bool { principal.map { $0.has(role) } ?? true }
}
