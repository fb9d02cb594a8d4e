import Foundation
import HeraldCore

/// A person who signs in to Herald. The password hash never leaves the store.
public struct User: Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let role: UserRole
    public let createdAt: Date
}
