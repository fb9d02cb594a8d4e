import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore

/// `/api/v1/auth/...` and `/api/v1/me`: exchanging an e-mail and password for a token (slowed per account by the
/// sign-in form's own limiter, one answer for an unknown user and a wrong password), and a caller's own tokens.
enum AuthAPIRoutes {
    /// Tokens issued by a password exchange expire after 90 days unless the caller asks for another instant.
    static let defaultLifetime: TimeInterval = 90 * 86_400

    struct TokenRequest: Decodable {
        let email: String
        let password: String
        let name: String
        let expiresAt: Date?
    }

    /// The caller as `GET /api/v1/me` answers.
    static func me(_ context: RequestContext) throws -> MeJSON {
        let me = context.principal!
        let users = UserService(connection: try context.store())
        let alerts = try users.ownAlertSettings(actor: context.actor)
        return MeJSON(id: me.userID, email: me.email, displayName: me.displayName, role: me.role.rawValue, timeZone: me.timeZone,
                      weeklySummary: try users.ownWeeklySummary(actor: context.actor), alerts: alerts,
                      alertRule: AlertRuleJSON(alerts.applied(to: .standard(every: context.settings.alertEvery))))
    }

    static func register(_ router: inout Router) {
        router.post("/api/v1/auth/token", .anyone) { context in
            let input = try context.request.json(TokenRequest.self)
            let sessions = SessionService(connection: try context.store(), settings: context.settings.session)
            guard let principal = try sessions.authenticate(email: input.email, password: input.password,
                                                            limiter: SignInThrottle(redis: try context.redis())) else {
                throw HTTPError(.unauthorized, "The e-mail or the password is wrong.", headers: [("WWW-Authenticate", "Bearer")])
            }
            let created = try UserService(connection: try context.store()).createToken(
                actor: .user(principal), name: input.name, expiresAt: input.expiresAt ?? Date().addingTimeInterval(defaultLifetime))
            return try .json(IssuedTokenJSON(id: created.id, token: created.token, expiresAt: created.expiresAt), status: .created)
        }
        router.get("/api/v1/auth/tokens", .signedIn(.viewer)) { context in
            let tokens = try UserService(connection: try context.store()).tokens(actor: context.actor)
            return try .json(ListPage(items: tokens.map(ApiTokenJSON.init), nextCursor: nil))
        }
        router.delete("/api/v1/auth/tokens/:id", .signedIn(.viewer)) { context in
            try UserService(connection: try context.store()).revokeToken(actor: context.actor, id: try context.id("id", "API token"))
            return HTTPResponse(status: .noContent)
        }
        router.get("/api/v1/me", .signedIn(.viewer)) { context in
            try .json(try me(context))
        }
        router.patch("/api/v1/me", .signedIn(.viewer)) { context in
            let body = try ScheduleBody.object(context.request)
            let users = UserService(connection: try context.store())
            let change = try MeChange.applied(body, to: try users.ownAlertSettings(actor: context.actor))
            try users.changeOwnNotices(actor: context.actor, alerts: change.alerts, weeklySummary: change.weeklySummary)
            return try .json(try me(context))
        }
    }
}
