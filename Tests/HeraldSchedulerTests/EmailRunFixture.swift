import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldStore
import Postgres
import TestSupport
@testable import HeraldScheduler

/// What the email run tests share: a migrated database with a report on it, the secret key, email destinations made
/// through `DestinationService` (their secrets sealed), and runners allowed to reach the loopback SMTP test server.
struct EmailRunFixture {
    let smtp: TestSupport.SMTPServer
    let key = SecretBox.generateKey()
    let url: String
    let store: PostgresConnection
    let report: UUID
    /// Makes this test's addresses and folders its own on the shared test servers.
    let tag = UUID().uuidString.prefix(8).lowercased()

    init(reportName: String, sql: String) throws {
        smtp = try DeliveryServers.smtp()
        url = try TestDatabase.create()
        store = try PostgresConnection(url: url)
        try Migrator(connection: store, migrations: try Migration.bundled()).migrate()
        let source = try DataSourceRepository(connection: store, secretKey: key).create(name: "src", url: url)
        report = try ReportService(connection: store).create(ReportInput(name: reportName, dataSourceID: source, sql: sql), actor: .commandLine).id
    }

    func destination(_ name: String, settings: String, secrets: [String: String?] = [:]) throws -> Destination {
        try DestinationService(connection: store, deliveryRoot: NSTemporaryDirectory(), keyring: try SecretKeyring(current: key))
            .create(DestinationInput(name: name, kind: "email", settingsJSON: settings, secrets: secrets), actor: .commandLine)
    }

    /// A runner with its own connection, whose channels may reach 127.0.0.1 and trust the test CA.
    func runner(retry: RetryPolicy = RetryPolicy(), folder: String) throws -> ExecutionRunner {
        var settings = ExecutionRunner.Settings(retry: retry, dataDirectory: NSTemporaryDirectory() + "herald-\(folder)-\(tag)")
        settings.channels = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), outbound: try OutboundPolicy(allowList: "127.0.0.1"),
                                               trustedCertificates: smtp.caPath)
        return ExecutionRunner(store: try PostgresConnection(url: url), secretKey: key, settings: settings, owner: "test")
    }
}
