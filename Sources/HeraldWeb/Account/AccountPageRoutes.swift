import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore

/// `/account`: the signed-in user's time zone, password and API tokens. Each form posts to its own address, calls
/// `UserService`, and redirects back with a notice; a failed form re-renders the page with its errors (422).
/// A new token is shown once, on the page that answers its POST (never stored, never in a URL).
enum AccountPageRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/account", .signedIn(.viewer)) { context in
            try page(context, templates: templates)
        }
        router.post("/account/time-zone", .signedIn(.viewer)) { context in
            let zone = try context.request.form()["time_zone"]?.first ?? ""
            do {
                try UserService(connection: try context.store()).setOwnTimeZone(actor: context.actor, zone)
            } catch {
                guard let errors = FormErrors.from(error, labels: ["time_zone": "Time zone"]) else { throw error }
                return try page(context, templates: templates, errors: errors, zone: zone)
            }
            return .redirect(to: "/account?done=time-zone")
        }
        router.post("/account/weekly-summary", .signedIn(.viewer)) { context in
            // An unticked checkbox is absent from the form: absent means off.
            let on = try context.request.form()["weekly_summary"]?.first == "on"
            try UserService(connection: try context.store()).setOwnWeeklySummary(actor: context.actor, on)
            return .redirect(to: "/account?done=weekly-summary")
        }
        router.post("/account/alerts", .signedIn(.viewer)) { context in
            let form = try context.request.form()
            let settings = AccountAlertsView.settings(from: form)
            do {
                try UserService(connection: try context.store()).setOwnAlertSettings(actor: context.actor, settings)
            } catch {
                guard let errors = FormErrors.from(error, labels: AccountAlertsView.labels) else { throw error }
                return try page(context, templates: templates, errors: errors, alerts: settings)
            }
            return .redirect(to: "/account?done=alerts")
        }
        router.post("/account/password", .signedIn(.viewer)) { context in
            let form = try context.request.form()
            do {
                try UserService(connection: try context.store()).changeOwnPassword(
                    actor: context.actor, current: form["current_password"]?.first ?? "", new: form["new_password"]?.first ?? "",
                    keepingSession: context.session?.id, limiter: SignInThrottle(redis: try context.redis()))
            } catch let error as Throttled {
                // The form again, the reason beside the field, rather than a bare 429 page that loses the form.
                let errors = FormErrors([ValidationError(field: "current_password", message: "was wrong too many times; try again in \(error.retryAfterSeconds) seconds")],
                                        labels: passwordLabels)
                var response = try page(context, templates: templates, errors: errors)
                response.status = .tooManyRequests
                response.headers.append(("Retry-After", String(error.retryAfterSeconds)))
                return response
            } catch {
                guard let errors = FormErrors.from(error, labels: passwordLabels) else { throw error }
                return try page(context, templates: templates, errors: errors)
            }
            return .redirect(to: "/account?done=password")
        }
        router.post("/account/tokens", .signedIn(.viewer)) { context in
            let form = try context.request.form()
            let name = form["name"]?.first ?? ""
            let days = form["expires_in_days"]?.first ?? "90"
            let created: AccountService.NewToken
            do {
                created = try UserService(connection: try context.store()).createToken(
                    actor: context.actor, name: name, expiresAt: try expiry(days: days))
            } catch {
                guard let errors = FormErrors.from(error, labels: ["name": "Token name", "expires_in_days": "Expiry"]) else { throw error }
                return try page(context, templates: templates, errors: errors, tokenName: name, tokenDays: days)
            }
            let zone = context.principal!.timeZone
            let view = TokenCreatedView(chrome: PageChrome(title: "Your new API token", context: context, section: "account"),
                                        name: name.trimmingCharacters(in: .whitespaces), token: created.token,
                                        expires: created.expiresAt.map { TimeView($0, zone: zone) })
            return .html(try templates.render(view, template: "pages/account/token-created"))
        }
        router.post("/account/tokens/:id/revoke", .signedIn(.viewer)) { context in
            try UserService(connection: try context.store()).revokeToken(actor: context.actor, id: try context.id("id", "API token"))
            return .redirect(to: "/account?done=token-revoked")
        }
    }

    static let passwordLabels = ["current_password": "Current password", "new_password": "New password"]
    static let expiryChoices: [(value: String, label: String)] = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]

    /// `never` or a number of days from now.
    static func expiry(days: String) throws -> Date? {
        if days == "never" { return nil }
        guard let count = Int(days), (1...3650).contains(count) else {
            throw ValidationError(field: "expires_in_days", message: "must be a number of days from 1 to 3650, or never")
        }
        return Date().addingTimeInterval(Double(count) * 86_400)
    }

    /// The page, with the errors of the one form that failed and what was typed into it.
    static func page(_ context: RequestContext, templates: Templates, errors: FormErrors = FormErrors(), zone: String? = nil,
                     tokenName: String = "", tokenDays: String = "90", alerts typed: AlertSettings? = nil) throws -> HTTPResponse {
        let service = UserService(connection: try context.store())
        let principal = context.principal!
        let tokens = try service.tokens(actor: context.actor).map { AccountPageView.TokenRow($0, zone: principal.timeZone) }
        let view = AccountPageView(
            chrome: PageChrome(title: errors.title("Your account"), context: context, section: "account"),
            email: principal.email, displayName: principal.displayName, role: principal.role.rawValue,
            errors: errors,
            zones: UserZoneChoices.options(selected: zone ?? principal.timeZone),
            weeklySummary: try service.ownWeeklySummary(actor: context.actor),
            alerts: AccountAlertsView(try typed ?? service.ownAlertSettings(actor: context.actor), standardEvery: context.settings.alertEvery),
            tokenName: tokenName,
            expiryOptions: expiryChoices.map { AccountPageView.Choice(value: $0.value, label: $0.label, selected: $0.value == tokenDays) },
            tokens: tokens, hasTokens: !tokens.isEmpty)
        return .html(try templates.render(view, template: "pages/account/show"), status: errors.any ? .unprocessableContent : .ok)
    }
}

/// `pages/account/show`.
struct AccountPageView: Sendable, Encodable {
    struct Choice: Sendable, Encodable { let value: String; let label: String; let selected: Bool }
    struct TokenRow: Sendable, Encodable {
        let id: String
        let name: String
        let prefix: String
        let created: TimeView
        let lastUsed: TimeView?
        let expires: TimeView?
        let expired: Bool

        init(_ token: ApiToken, zone: String) {
            id = token.id.uuidString.lowercased()
            name = token.name
            prefix = token.prefix
            created = TimeView(token.createdAt, zone: zone)
            lastUsed = token.lastUsedAt.map { TimeView($0, zone: zone) }
            expires = token.expiresAt.map { TimeView($0, zone: zone) }
            expired = token.isExpired()
        }
    }

    let chrome: PageChrome
    let email: String
    let displayName: String
    let role: String
    let errors: FormErrors
    let zones: [UserZoneChoices.Option]
    let weeklySummary: Bool
    let alerts: AccountAlertsView
    let tokenName: String
    let expiryOptions: [Choice]
    let tokens: [TokenRow]
    let hasTokens: Bool
}

/// `pages/account/token-created`: the only time the token is shown.
struct TokenCreatedView: Sendable, Encodable {
    let chrome: PageChrome
    let name: String
    let token: String
    let expires: TimeView?
}
