import Crypto
import Foundation
import HeraldCore
import Postgres

/// Users and their API tokens: the one code path for the admin pages, the API and `herald user` / `herald token`.
/// Admins manage every account; anyone manages their own time zone, password and tokens. Every change is audited
/// (never with a password, a token or a hash in `details`); disabling an account or setting its password ends the
/// user's sessions and revokes their tokens.
public struct UserService {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// What an admin fills in for a new account; a nil password makes Herald generate one (shown once).
    public struct NewUserInput: Sendable {
        public var email: String
        public var displayName: String
        public var role: UserRole
        public var timeZone: String
        public var password: String?

        public init(email: String, displayName: String = "", role: UserRole, timeZone: String = "UTC", password: String? = nil) {
            self.email = email
            self.displayName = displayName
            self.role = role
            self.timeZone = timeZone
            self.password = password
        }
    }

    /// An admin's change to an account; nil fields stay as they are. A password resets it (and ends sessions).
    public struct Changes: Sendable {
        public var displayName: String?
        public var role: UserRole?
        public var timeZone: String?
        public var disabled: Bool?
        public var password: String?

        public init(displayName: String? = nil, role: UserRole? = nil, timeZone: String? = nil, disabled: Bool? = nil,
                    password: String? = nil) {
            self.displayName = displayName
            self.role = role
            self.timeZone = timeZone
            self.disabled = disabled
            self.password = password
        }
    }

    public struct Page: Sendable {
        public let users: [User]
        /// The sort key of the last user shown, when more follow: `[lower(email), id]`.
        public let next: [String]?
    }

    // MARK: admin

    public func list(actor: Actor, after: [String]? = nil, limit: Int = 50) throws -> Page {
        try requireAdmin(actor)
        let key = try Keyset.after(after, key: .text)
        var users = try UserRepository(connection: connection).list(afterEmail: key?.key, afterID: key?.id, limit: limit)
        var next: [String]?
        if users.count > limit {
            users.removeLast(users.count - limit)
            next = users.last.map { Keyset.parts($0.email.lowercased(), $0.id) }
        }
        return Page(users: users, next: next)
    }

    /// An admin sees any account, anyone else only their own; any other id is NotFound.
    public func get(actor: Actor, id: UUID) throws -> User {
        guard actor.isAdmin || actor.userID == id, let user = try UserRepository(connection: connection).find(id: id) else {
            throw NotFound("user")
        }
        return user
    }

    public func create(actor: Actor, _ input: NewUserInput) throws -> AccountService.NewUser {
        try requireAdmin(actor)
        do {
            return try insert(input, actorID: actor.userID, actorLabel: actor.label)
        } catch let error as UserExists {
            throw ValidationError(field: "email", message: "belongs to another user already (\(error.email))")
        }
    }

    /// Applies an admin's changes; the last admin who may sign in is never demoted or disabled, and admins neither
    /// disable themselves nor reset their own password here (that needs the current one: `changeOwnPassword`).
    @discardableResult
    public func update(actor: Actor, id: UUID, _ changes: Changes) throws -> User {
        try requireAdmin(actor)
        let users = UserRepository(connection: connection)
        var errors: [ValidationError] = []
        if let name = changes.displayName { errors += Self.displayNameErrors(name) }
        if let zone = changes.timeZone { do { _ = try ZoneRules.named(zone) } catch { errors.append(error) } }
        if let password = changes.password { do { try PasswordPolicy.validate(password) } catch { errors.append(error) } }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        if actor.userID == id, changes.disabled == true {
            throw Conflict("You cannot disable your own account; ask another admin.")
        }
        if actor.userID == id, changes.password != nil {
            throw Conflict("Change your own password on your account page, with your current password.")
        }
        return try connection.transaction {
            guard let before = try users.find(id: id) else { throw NotFound("user") }
            let audit = AuditLog(connection: connection)
            func record(_ action: String, _ details: [String: String]) throws {
                try audit.record(actorID: actor.userID, actorLabel: actor.label, action: action, subjectType: "user",
                                 subjectID: id.uuidString, details: ["email": before.email].merging(details) { $1 })
            }
            let demotes = changes.role.map { $0 != .admin } ?? false
            if before.role == .admin, !before.isDisabled, demotes || changes.disabled == true,
               try users.activeAdminCount() <= 1 {
                throw Conflict("\(before.email) is the last admin who can sign in; make another admin first")
            }
            if let name = changes.displayName, name != before.displayName {
                try users.setDisplayName(id: id, displayName: name)
                try record("user.update", ["display_name_before": before.displayName, "display_name_after": name])
            }
            if let zone = changes.timeZone, zone != before.timeZone {
                try users.setTimeZone(id: id, timeZone: zone)
                try record("user.time_zone", ["before": before.timeZone, "after": zone])
            }
            if let role = changes.role, role != before.role {
                try users.setRole(id: id, role: role)
                try record("user.role", ["before": before.role.rawValue, "after": role.rawValue])
            }
            if let disabled = changes.disabled, disabled != before.isDisabled {
                try users.setDisabled(id: id, disabled)
                if disabled { try SessionService(connection: connection).endSessions(userID: id) }
                try record(disabled ? "user.disable" : "user.enable", disabled ? ["sessions": "ended", "tokens": "revoked"] : [:])
            }
            if let password = changes.password {
                try users.setPasswordHash(id: id, passwordHash: try PasswordHasher.hash(password))
                try SessionService(connection: connection).endSessions(userID: id)
                try record("user.password", ["by": "admin", "sessions": "ended", "tokens": "revoked"])
            }
            guard let after = try users.find(id: id) else { throw NotFound("user") }
            return after
        }
    }

    public func changeRole(actor: Actor, id: UUID, to role: UserRole) throws {
        try update(actor: actor, id: id, Changes(role: role))
    }

    public func setDisabled(actor: Actor, id: UUID, _ disabled: Bool) throws {
        try update(actor: actor, id: id, Changes(disabled: disabled))
    }

    /// Sets a new password (or generates one, returned to show once); the user's sessions end, their tokens are revoked.
    public func resetPassword(actor: Actor, id: UUID, to password: String?) throws -> String? {
        let chosen = password ?? SecureRandom.token(byteCount: 18)
        try update(actor: actor, id: id, Changes(password: chosen))
        return password == nil ? chosen : nil
    }

    // MARK: self-service

    public func setOwnTimeZone(actor: Actor, _ zone: String) throws {
        let id = try signedIn(actor)
        _ = try ZoneRules.named(zone)
        try connection.transaction {
            guard let before = try UserRepository(connection: connection).find(id: id) else { throw NotFound("user") }
            guard before.timeZone != zone else { return }
            try UserRepository(connection: connection).setTimeZone(id: id, timeZone: zone)
            try AuditLog(connection: connection).record(actorID: id, actorLabel: actor.label, action: "user.time_zone",
                                                        subjectType: "user", subjectID: id.uuidString,
                                                        details: ["before": before.timeZone, "after": zone])
        }
    }

    /// Changes the actor's own password after checking the current one. Every other session ends and every token is
    /// revoked; `keepingSession` (the session the change came from) stays signed in. Wrong current passwords count as
    /// failed sign-ins of the account in `limiter`, so a stolen session cannot guess the password any faster than
    /// the sign-in form can (an account that must still wait is `Throttled`).
    public func changeOwnPassword(actor: Actor, current: String, new: String, keepingSession: UUID?,
                                  limiter: any SignInLimiter) throws {
        let id = try signedIn(actor)
        var errors: [ValidationError] = []
        let users = UserRepository(connection: connection)
        guard let user = try users.find(id: id), let hash = try users.passwordHash(userID: id) else { throw NotFound("user") }
        let account = SessionService.limiterAccount(user.email)
        let wait = try limiter.wait(for: account)
        if wait > 0 { throw Throttled(retryAfterSeconds: wait) }
        if PasswordHasher.verify(current, against: hash) {
            try limiter.reset(for: account)
        } else {
            try limiter.recordFailure(for: account)
            errors.append(ValidationError(field: "current_password", message: "is not your current password"))
        }
        do { try PasswordPolicy.validate(new) } catch {
            errors.append(ValidationError(field: "new_password", message: error.message))
        }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        let newHash = try PasswordHasher.hash(new)
        try connection.transaction {
            try users.setPasswordHash(id: id, passwordHash: newHash)
            try SessionService(connection: connection).endSessions(userID: id, keeping: keepingSession)
            try AuditLog(connection: connection).record(actorID: id, actorLabel: actor.label, action: "user.password",
                                                        subjectType: "user", subjectID: id.uuidString,
                                                        details: ["by": "self", "other_sessions": "ended", "tokens": "revoked"])
        }
    }

    /// Issues a token for the actor itself; the token is in the answer only.
    public func createToken(actor: Actor, name: String, expiresAt: Date?) throws -> AccountService.NewToken {
        let id = try signedIn(actor)
        guard let user = try UserRepository(connection: connection).find(id: id) else { throw NotFound("user") }
        return try issueToken(for: user, name: name, expiresAt: expiresAt, actorID: id, actorLabel: actor.label)
    }

    public func tokens(actor: Actor) throws -> [ApiToken] {
        try ApiTokenRepository(connection: connection).list(userID: try signedIn(actor))
    }

    /// Revokes one of the actor's own tokens; someone else's (or an unknown one) is NotFound.
    public func revokeToken(actor: Actor, id: UUID) throws {
        let userID = try signedIn(actor)
        try connection.transaction {
            guard let name = try ApiTokenRepository(connection: connection).revoke(id: id, userID: userID) else { throw NotFound("API token") }
            try AuditLog(connection: connection).record(actorID: userID, actorLabel: actor.label, action: "token.revoke",
                                                        subjectType: "api_token", subjectID: id.uuidString,
                                                        details: ["user": actor.label, "name": name])
        }
    }

    // MARK: shared with AccountService (the CLI)

    func insert(_ input: NewUserInput, actorID: UUID?, actorLabel: String) throws -> AccountService.NewUser {
        var errors: [ValidationError] = []
        var email: EmailAddress?
        do { email = try EmailAddress(input.email) } catch { errors.append(error) }
        errors += Self.displayNameErrors(input.displayName)
        do { _ = try ZoneRules.named(input.timeZone) } catch { errors.append(error) }
        if let password = input.password { do { try PasswordPolicy.validate(password) } catch { errors.append(error) } }
        if errors.count == 1 { throw errors[0] }
        guard errors.isEmpty, let email else { throw ValidationErrors(errors) }
        let chosen = input.password ?? SecureRandom.token(byteCount: 18)
        let hash = try PasswordHasher.hash(chosen)
        let user = try connection.transaction {
            let user = try UserRepository(connection: connection).create(email: email, role: input.role, passwordHash: hash,
                                                                         displayName: input.displayName, timeZone: input.timeZone)
            try AuditLog(connection: connection).record(actorID: actorID, actorLabel: actorLabel, action: "user.create",
                                                        subjectType: "user", subjectID: user.id.uuidString,
                                                        details: ["email": user.email, "role": input.role.rawValue,
                                                                  "display_name": input.displayName, "time_zone": input.timeZone])
            return user
        }
        return AccountService.NewUser(user: user, generatedPassword: input.password == nil ? chosen : nil)
    }

    func issueToken(for user: User, name rawName: String, expiresAt: Date?, actorID: UUID?, actorLabel: String) throws -> AccountService.NewToken {
        let name = rawName.trimmingCharacters(in: .whitespaces)
        var errors: [ValidationError] = []
        if name.isEmpty { errors.append(ValidationError(field: "name", message: "is required: say what the token is for")) }
        if name.count > 80 { errors.append(ValidationError(field: "name", message: "must be 80 characters or fewer")) }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append(ValidationError(field: "name", message: "must not contain line breaks or control characters"))
        }
        if let expiresAt, expiresAt <= Date() { errors.append(ValidationError(field: "expires_at", message: "must be in the future")) }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        let token = "hrld_" + SecureRandom.token(byteCount: 32)
        let id = try connection.transaction {
            let id = try ApiTokenRepository(connection: connection).create(
                userID: user.id, name: name, tokenHash: Digest.sha256(Array(token.utf8)),
                prefix: String(token.prefix(12)), expiresAt: expiresAt)
            var details = ["user": user.email, "name": name]
            if let expiresAt { details["expires_at"] = ISO8601DateFormatter().string(from: expiresAt) }
            try AuditLog(connection: connection).record(actorID: actorID, actorLabel: actorLabel, action: "token.create",
                                                        subjectType: "api_token", subjectID: id.uuidString, details: details)
            return id
        }
        return AccountService.NewToken(id: id, token: token, expiresAt: expiresAt)
    }

    // MARK: rules

    static func displayNameErrors(_ name: String) -> [ValidationError] {
        var errors: [ValidationError] = []
        if name.count > 100 { errors.append(ValidationError(field: "display_name", message: "must be 100 characters or fewer")) }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append(ValidationError(field: "display_name", message: "must not contain line breaks or control characters"))
        }
        return errors
    }

    func requireAdmin(_ actor: Actor) throws {
        guard actor.isAdmin else { throw Forbidden("Only admins manage users.") }
    }

    /// Self-service needs a signed-in user (the command line has no account of its own).
    func signedIn(_ actor: Actor) throws -> UUID {
        guard let id = actor.userID else { throw Forbidden("This acts on the signed-in user's own account.") }
        return id
    }
}
