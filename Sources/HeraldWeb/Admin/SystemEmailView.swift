import HeraldCore
import HeraldStore

/// `pages/admin/email`: the SMTP server form (what was typed, or what is saved), whether a password is stored (never
/// its value), the presets, and the outcome of a test email.
struct SystemEmailView: Sendable, Encodable {
    struct Option: Sendable, Encodable { let value: String; let label: String; let selected: Bool }
    /// A preset as the script reads it from `data-` attributes.
    struct Preset: Sendable, Encodable { let value: String; let label: String; let host: String; let port: String; let security: String; let selected: Bool }
    struct Test: Sendable, Encodable { let ok: Bool; let detail: String }

    let chrome: PageChrome
    let errors: FormErrors
    let host: String
    let port: String
    let username: String
    let fromAddress: String
    let fromName: String
    let presets: [Preset]
    let securities: [Option]
    let configured: Bool
    let passwordSet: Bool
    /// Who the test email goes to when no address is typed.
    let adminEmail: String
    let testTo: String
    let test: Test?

    init(chrome: PageChrome, errors: FormErrors, input: SystemEmailService.Input, setup: SystemEmailService.Setup?, preset: String?,
         adminEmail: String, testTo: String, test: SystemEmailTest.Outcome?) {
        self.chrome = chrome
        self.errors = errors
        host = input.host
        port = input.port
        username = input.username
        fromAddress = input.fromAddress
        fromName = input.fromName
        // The preset whose server is the one shown, unless another was just chosen.
        let shown = preset ?? SMTPServer.presets.first { $0.host == input.host && String($0.port) == input.port && $0.security.rawValue == input.security }?.name
        presets = SMTPServer.presets.map {
            Preset(value: $0.name, label: $0.name, host: $0.host, port: String($0.port), security: $0.security.rawValue, selected: $0.name == shown)
        } + [Preset(value: "custom", label: "Custom", host: "", port: "", security: "", selected: shown == nil)]
        securities = [("starttls", "STARTTLS (usually port 587)"), ("tls", "TLS from the start (usually port 465)"), ("plain", "None: a local relay (port 25)")].map {
            Option(value: $0.0, label: $0.1, selected: $0.0 == input.security)
        }
        configured = setup != nil
        passwordSet = setup?.passwordSet ?? false
        self.adminEmail = adminEmail
        self.testTo = testTo
        self.test = test.map { Test(ok: $0.ok, detail: $0.detail) }
    }
}
