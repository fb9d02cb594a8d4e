import Foundation
import HeraldCore
import HeraldStore

/// A user in the API: `{"id","email","display_name","role","time_zone","disabled"}`. Never the password hash.
struct UserJSON: Encodable {
    let id: UUID
    let email: String
    let displayName: String
    let role: String
    let timeZone: String
    let disabled: Bool

    init(_ user: User) {
        id = user.id
        email = user.email
        displayName = user.displayName
        role = user.role.rawValue
        timeZone = user.timeZone
        disabled = user.isDisabled
    }
}

/// The answer to creating a user: the user, and the generated password when none was given (shown only here).
struct CreatedUserJSON: Encodable {
    let user: UserJSON
    let generatedPassword: String?

    enum CodingKeys: String, CodingKey { case generatedPassword }

    func encode(to encoder: any Encoder) throws {
        try user.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(generatedPassword, forKey: .generatedPassword)
    }
}

/// `GET /api/v1/me`.
struct MeJSON: Encodable {
    let id: UUID
    let email: String
    let displayName: String
    let role: String
    let timeZone: String
    /// Whether the weekly summary email is on (`/account`).
    let weeklySummary: Bool
}

/// An API token as its owner sees it: never the token, never its hash. Absent instants are `null`.
struct ApiTokenJSON: Encodable {
    let id: UUID
    let name: String
    let prefix: String
    let createdAt: Date
    let lastUsedAt: Date?
    let expiresAt: Date?

    init(_ token: ApiToken) {
        id = token.id
        name = token.name
        prefix = token.prefix
        createdAt = token.createdAt
        lastUsedAt = token.lastUsedAt
        expiresAt = token.expiresAt
    }

    enum CodingKeys: String, CodingKey { case id, name, prefix, createdAt, lastUsedAt, expiresAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}

/// `201 {"id","token","expires_at"}`: the only time a token is shown.
struct IssuedTokenJSON: Encodable {
    let id: UUID
    let token: String
    let expiresAt: Date?

    enum CodingKeys: String, CodingKey { case id, token, expiresAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(token, forKey: .token)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}
