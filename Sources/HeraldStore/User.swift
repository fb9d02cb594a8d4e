import Foundation
import HeraldCore

/// A person who signs in to Herald. The password hash never leaves the store.
public struct User: Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let role: UserRole
    public let createdAt: Date
    public var displayName: String = ""
    public var timeZone: String = "UTC"
    /// When an admin disabled the account; nil while it may sign in.
    public var disabledAt: Date? = nil

    public var isDisabled: Bool { disabledAt != nil }
    /// What pages call the user: the display name, or the e-mail when there is none.
    public var name: String { displayName.isEmpty ? email : displayName }
}
