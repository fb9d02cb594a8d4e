import Crypto
import Foundation
import HeraldCore
import Postgres

/// Creates users and API tokens. Called from the CLI now and from the admin pages and API later.
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
    }

    /// Adds a user with the given password, or a generated one when `password` is nil.
    public func addUser(email rawEmail: String, role: UserRole, password: String?, actor: String) throws -> NewUser {
        let email = try EmailAddress(rawEmail)
        let chosen = password ?? SecureRandom.token(byteCount: 18)
        if password != nil { try PasswordPolicy.validate(chosen) }
        let hash = try PasswordHasher.hash(chosen)
        let user = try connection.transaction {
            let user = try UserRepository(connection: connection).create(email: email, role: role, passwordHash: hash)
            try AuditLog(connection: connection).record(actorID: nil, actorLabel: actor, action: "user.create",
                                                        subjectType: "user", subjectID: user.id.uuidString,
                                                        details: ["email": user.email, "role": role.rawValue])
            return user
        }
        return NewUser(user: user, generatedPassword: password == nil ? chosen : nil)
    }

    /// Issues a bearer token for the user with this e-mail.
    public func createToken(email rawEmail: String, name: String, actor: String) throws -> NewToken {
        let email = try EmailAddress(rawEmail)
        guard let user = try UserRepository(connection: connection).find(email: email) else { throw UserNotFound(email: email.value) }
        let token = "hrld_" + SecureRandom.token(byteCount: 32)
        let id = try connection.transaction {
            let id = try ApiTokenRepository(connection: connection).create(
                userID: user.id, name: name, tokenHash: Digest.sha256(Array(token.utf8)),
                prefix: String(token.prefix(12)), expiresAt: nil)
            try AuditLog(connection: connection).record(actorID: nil, actorLabel: actor, action: "token.create",
                                                        subjectType: "api_token", subjectID: id.uuidString,
                                                        details: ["user": user.email, "name": name])
            return id
        }
        return NewToken(id: id, token: token)
    }
}
