import Foundation
import HeraldCore
import Postgres

/// The operator's way in (`herald user add`, `herald token create`): the same rules and audit as `UserService`,
/// with the command line's label as the actor.
public struct AccountService {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public struct NewUser {
        public let user: User
        /// Set only when Herald generated the password: show it once, it is not stored anywhere.
        public let generatedPassword: String?
    }

    public struct NewToken {
        public let id: UUID
        /// The bearer token itself: shown once, only its hash is stored.
        public let token: String
        public var expiresAt: Date? = nil
    }

    /// Adds a user with the given password, or a generated one when `password` is nil.
    public func addUser(email: String, role: UserRole, password: String?, displayName: String = "", timeZone: String = "UTC",
                        actor: String) throws -> NewUser {
        try UserService(connection: connection).insert(
            UserService.NewUserInput(email: email, displayName: displayName, role: role, timeZone: timeZone, password: password),
            actorID: nil, actorLabel: actor)
    }

    /// Issues a bearer token for the user with this e-mail.
    public func createToken(email rawEmail: String, name: String, expiresAt: Date? = nil, actor: String) throws -> NewToken {
        let email = try EmailAddress(rawEmail)
        guard let user = try UserRepository(connection: connection).find(email: email) else { throw UserNotFound(email: email.value) }
        return try UserService(connection: connection).issueToken(for: user, name: name, expiresAt: expiresAt, actorID: nil, actorLabel: actor)
    }
}
