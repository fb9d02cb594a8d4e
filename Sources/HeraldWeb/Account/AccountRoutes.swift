import Crypto
import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore

/// `/login` and `/logout`. The sign-in form is protected against login CSRF with a double-submit token: the form's
/// hidden field must equal the `__Host-herald_login` cookie set with the form.
enum AccountRoutes {
    static let loginCookie = "__Host-herald_login"

    static func register(_ router: inout Router, templates: Templates) {
        router.get("/login", .anyone) { context in
            if context.principal != nil { return .redirect(to: safeNext(context.request.queryValue("next"))) }
            return try loginPage(context, templates: templates, email: "", error: nil)
        }
        router.post("/login", .anyone) { context in
            let form = try context.request.form()
            let email = form["email"]?.first ?? ""
            let sent = form["login_token"]?.first ?? ""
            guard let cookie = context.request.cookies[loginCookie], !cookie.isEmpty,
                  Digest.constantTimeEqual(Array(sent.utf8), Array(cookie.utf8)) else {
                return try loginPage(context, templates: templates, email: email,
                                     error: "The sign-in form expired. Please try again.", status: .forbidden)
            }
            let sessions = SessionService(connection: try context.store(), settings: context.settings.session)
            let signedIn: (session: SessionService.Session, cookieValue: String)?
            do {
                signedIn = try sessions.signIn(email: email, password: form["password"]?.first ?? "",
                                               limiter: SignInThrottle(redis: try context.redis()),
                                               userAgent: context.request.header("user-agent") ?? "",
                                               remoteAddress: context.request.remoteAddress)
            } catch let error as Throttled {
                return try loginPage(context, templates: templates, email: email,
                                     error: "Too many failed attempts for this account. Try again in \(error.retryAfterSeconds) seconds.",
                                     status: .tooManyRequests, headers: [("Retry-After", String(error.retryAfterSeconds))])
            }
            guard let signedIn else {
                // One answer for an unknown e-mail, a wrong password and a disabled account.
                return try loginPage(context, templates: templates, email: email, error: "The e-mail or the password is wrong.",
                                     status: .unauthorized)
            }
            if let old = context.request.cookies[SessionCookie.name] { try? sessions.signOut(cookieValue: old) }
            context.cookies.append(SessionCookie.set(signedIn.cookieValue, maxAge: context.settings.session.absoluteSeconds))
            context.cookies.append("\(loginCookie)=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
            return .redirect(to: safeNext(form["next"]?.first))
        }
        router.post("/logout", .signedIn(.viewer)) { context in
            if let value = context.request.cookies[SessionCookie.name] {
                try SessionService(connection: try context.store(), settings: context.settings.session).signOut(cookieValue: value)
            }
            context.cookies.append(SessionCookie.clear())
            return .redirect(to: "/login?done=signed-out")
        }
    }

    /// Only a path on this site: `//evil.example` and `https://…` fall back to the schedule list.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains(where: \.isNewline) else {
            return "/schedules"
        }
        return next
    }

    static func loginPage(_ context: RequestContext, templates: Templates, email: String, error: String?,
                          status: HTTPStatus = .ok, headers: [(String, String)] = []) throws -> HTTPResponse {
        let token = SecureRandom.token(byteCount: 24)
        context.cookies.append("\(loginCookie)=\(token); Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600")
        let view = LoginPageView(chrome: PageChrome(title: "Sign in", context: context), email: email, error: error, loginToken: token,
                                 next: safeNext(context.request.queryValue("next") ?? (try? context.request.form())?["next"]?.first))
        var response = HTTPResponse.html(try templates.render(view, template: "pages/login"), status: status)
        response.headers += headers
        return response
    }
}

/// `pages/login`.
struct LoginPageView: Sendable, Encodable {
    let chrome: PageChrome
    let email: String
    let error: String?
    let loginToken: String
    let next: String
}
