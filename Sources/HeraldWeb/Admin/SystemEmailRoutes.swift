import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore

/// `/admin/email` (admins): the SMTP server email destinations without their own and owner alerts send through,
/// through `SystemEmailService`. A preset (Gmail, Outlook / Office 365, Yahoo) fills host, port and security on the
/// server (`action=preset`; `static/admin-email.js` does the same as the choice changes); the password is write-only.
/// "Send test email" sends with the saved settings and shows the outcome in place (the failing step, never the password).
enum SystemEmailRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/admin/email", .signedIn(.admin)) { context in
            let setup = try service(context).get(actor: context.actor)
            return try page(context, templates, input: setup.map(input) ?? SystemEmailService.Input(), setup: setup)
        }
        router.post("/admin/email", .signedIn(.admin)) { context in
            let form = try context.request.form()
            func field(_ name: String) -> String { form[name]?.first ?? "" }
            var input = SystemEmailService.Input(host: field("host"), port: field("port"), security: field("security"), username: field("username"),
                                                 fromAddress: field("from_address"), fromName: field("from_name"),
                                                 password: field("password"), removePassword: field("remove_password") == "on")
            let preset = SMTPServer.presets.first { $0.name == field("preset") }
            let service = try service(context)
            if field("action") == "preset" {
                if let preset { apply(preset, to: &input) }
                return try page(context, templates, input: input, setup: try service.get(actor: context.actor), preset: preset?.name)
            }
            // Without script, a preset chosen and no host typed: the preset's server.
            if let preset, input.host.trimmingCharacters(in: .whitespaces).isEmpty { apply(preset, to: &input) }
            do {
                try service.save(input, actor: context.actor)
                return .redirect(to: "/admin/email?done=email-saved")
            } catch {
                guard let errors = FormErrors.from(error, labels: labels) else { throw error }
                return try page(context, templates, input: input, setup: try service.get(actor: context.actor), preset: preset?.name, errors: errors)
            }
        }
        router.post("/admin/email/test", .signedIn(.admin)) { context in
            let typed = (try context.request.form()["to"]?.first ?? "").trimmingCharacters(in: .whitespaces)
            let service = try service(context)
            let setup = try service.get(actor: context.actor)
            let saved = setup.map(input) ?? SystemEmailService.Input()
            let address = typed.isEmpty ? context.principal?.email ?? "" : typed
            do throws(ValidationError) {
                _ = try EmailAddress(address)
            } catch {
                return try page(context, templates, input: saved, setup: setup, testTo: typed,
                                errors: FormErrors([ValidationError(field: "to", message: error.message)], labels: labels))
            }
            let outcome = try SystemEmailTest.send(to: address, service: service, environment: context.settings.channels)
            return try page(context, templates, input: saved, setup: setup, testTo: typed, test: outcome)
        }
    }

    static let labels = ["host": "Host", "port": "Port", "security": "Security", "username": "User name", "password": "Password",
                         "from_address": "From address", "from_name": "From name", "to": "Test recipient"]

    static func service(_ context: RequestContext) throws -> SystemEmailService {
        SystemEmailService(connection: try context.store(), keyring: try context.settings.keyring())
    }

    static func input(_ setup: SystemEmailService.Setup) -> SystemEmailService.Input {
        SystemEmailService.Input(host: setup.server.host, port: setup.server.port.map(String.init) ?? "", security: setup.server.security.rawValue,
                                 username: setup.server.username ?? "", fromAddress: setup.server.fromAddress, fromName: setup.server.fromName ?? "")
    }

    static func apply(_ preset: (name: String, host: String, port: Int, security: SMTPServer.Security), to input: inout SystemEmailService.Input) {
        input.host = preset.host
        input.port = String(preset.port)
        input.security = preset.security.rawValue
    }

    static func page(_ context: RequestContext, _ templates: Templates, input: SystemEmailService.Input, setup: SystemEmailService.Setup?,
                     preset: String? = nil, testTo: String = "", test: SystemEmailTest.Outcome? = nil,
                     errors: FormErrors = FormErrors()) throws -> HTTPResponse {
        let view = SystemEmailView(chrome: PageChrome(title: errors.title("Email server"), context: context, section: "admin/email"),
                                   errors: errors, input: input, setup: setup, preset: preset, adminEmail: context.principal?.email ?? "",
                                   testTo: testTo, test: test)
        return .html(try templates.render(view, template: "pages/admin/email"), status: errors.any ? .unprocessableContent : .ok)
    }
}

/// "Send test email": a short message through the saved server, to one address; what happened, never the password.
enum SystemEmailTest {
    struct Outcome: Sendable, Encodable, Equatable {
        let ok: Bool
        let detail: String
        let category: String?
    }

    /// Sends with the saved settings; a server not set up yet is an outcome too.
    static func send(to address: String, service: SystemEmailService, environment: ChannelEnvironment) throws -> Outcome {
        guard let saved = try service.load() else {
            return Outcome(ok: false, detail: "No SMTP server is saved yet: save one first, then send a test email.", category: "setup")
        }
        do {
            return Outcome(ok: true, detail: try EmailChannel.sendTestMessage(to: address, server: saved.server, password: saved.password,
                                                                              environment: environment), category: nil)
        } catch let error as DeliveryError {
            return Outcome(ok: false, detail: redacted(error.description, saved.password), category: error.category)
        }
    }

    /// The channel never puts the password in an error; this makes sure of it.
    static func redacted(_ text: String, _ password: String?) -> String {
        guard let password, password.count >= 3 else { return text }
        return text.replacingOccurrences(of: password, with: "[redacted]")
    }
}
