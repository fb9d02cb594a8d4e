import Foundation
import HeraldCore
import HeraldStore
import Postgres
import TestSupport

/// What the scale-out test runs on: a PostgreSQL cluster and a Redis of its own (the test restarts both), holding
/// Herald's database and a reporting database; an admin and the admin's API token; a data source, a cheap report, a
/// webhook destination (the test HTTP receiver) and an email destination (the test SMTP server, as the destination's
/// own server); `count` schedules firing every minute in UTC to both destinations, and one more that never fires,
/// for the load to pause and resume. Everything is made through the services the CLI and the API call, not with
/// SQL into the tables.
final class ScaleOutFixture {
    let cluster: PrivatePostgresCluster
    let redis: PrivateRedisServer
    let databaseURL: String
    let environment: [String: String]
    private let store: PostgresConnection
    let token: String
    /// In every name this run makes (the webhook path, the recipient), so that it reads only its own deliveries
    /// from the shared delivery servers.
    let tag = UUID().uuidString.prefix(8).lowercased()
    let webhookPath: String
    let recipient: String
    let webhook: UUID
    let email: UUID
    /// The schedule the load pauses and resumes (yearly, paused or not, so it never fires during the test).
    let toggle: UUID
    /// The counted schedules, each with its first slot as the service computed it.
    let firstSlots: [UUID: Date]
    let limits = ScheduleLimits(minimumInterval: 60, maxSchedulesPerUser: 10)

    init(schedules count: Int) throws {
        cluster = try PrivatePostgresCluster()
        redis = try PrivateRedisServer()
        let admin = try PostgresConnection(url: cluster.url)
        for name in ["herald", "reporting"] { try admin.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        databaseURL = "postgresql://postgres@127.0.0.1:\(cluster.port)/herald"
        var environment = try HeraldCommandTests.environment(databaseURL: databaseURL, redisURL: redis.url)
        environment["HERALD_MIN_INTERVAL"] = "60"                // every minute
        environment["HERALD_OUTBOUND_ALLOW"] = "127.0.0.1"       // the delivery servers listen on loopback
        environment["HERALD_SMTP_MESSAGES_PER_MINUTE"] = "0"     // 1,000 messages a minute to one server
        environment["HERALD_WORKERS"] = "8"
        environment["HERALD_WEB_THREADS"] = "4"
        // A killed scheduler's runs are taken over within this; a failed delivery is retried within seconds.
        environment["HERALD_LEASE_SECONDS"] = "10"
        environment["HERALD_RETRY_BASE_SECONDS"] = "2"
        environment["HERALD_LOG_LEVEL"] = "notice"
        self.environment = environment
        let migrate = try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment)
        guard migrate.status == 0 else { throw FixtureError("migrate failed: \(migrate.output)") }

        store = try PostgresConnection(url: databaseURL)
        let email = "admin-\(tag)@example.org"
        let accounts = AccountService(connection: store)
        let owner = try accounts.addUser(email: email, role: .admin, password: nil, actor: "test").user.id
        token = try accounts.createToken(email: email, name: "scale-out load", actor: "test").token

        let key = [UInt8](Data(base64Encoded: HeraldCommandTests.strongKey)!)
        // As many queries at once as the two schedulers have workers: the limit is not what this test measures.
        let source = try DataSourceService(connection: store, secretKey: key).create(
            DataSourceInput(name: "reporting", url: "postgresql://postgres@127.0.0.1:\(cluster.port)/reporting", maxConcurrency: 16),
            actor: .commandLine)
        let report = try ReportService(connection: store).create(
            ReportInput(name: "Tick", dataSourceID: source.id, sql: "SELECT 1 AS one, now() AS ran_at"), actor: .commandLine)

        let receiver = try DeliveryServers.httpReceiver()
        let smtp = try DeliveryServers.smtp()
        webhookPath = "/hook/scale-out-\(tag)"
        recipient = "scale-out-\(tag)@example.org"
        let destinations = DestinationService(connection: store, deliveryRoot: environment["HERALD_DATA_DIR"]! + "/deliveries")
        webhook = try destinations.create(DestinationInput(name: "hook", kind: "webhook", settingsJSON: """
            {"url":"\(receiver.url(path: webhookPath).absoluteString)"}
            """), actor: .commandLine, ownerID: owner).id
        self.email = try destinations.create(DestinationInput(name: "mail", kind: "email", settingsJSON: """
            {"to":["\(recipient)"],"subject":"{report_name} {date} {time}",
             "smtp":{"host":"127.0.0.1","port":\(smtp.port),"security":"plain","from_address":"herald@example.org"}}
            """), actor: .commandLine, ownerID: owner).id

        let recurrence = Recurrence(kind: .custom, timeZone: "UTC", cron: "* * * * *")
        // `allow`: a slot whose previous run is still going runs anyway. Under `skip` (the default) it would be
        // recorded as skipped by design, and this test asks that every slot ran.
        let draft = ScheduleDraft(reportID: report.id, recurrence: recurrence, destinationIDs: [webhook, self.email],
                                  misfirePolicy: MisfirePolicy.runOnce.rawValue, overlapPolicy: OverlapPolicy.allow.rawValue)
        let folder = try destinations.create(DestinationInput(name: "toggle", kind: "folder", path: "scale-out-\(tag)"),
                                             actor: .commandLine, ownerID: owner).id
        toggle = try ScheduleService(connection: store, limits: limits).create(
            ScheduleDraft(name: "load toggle", reportID: report.id, recurrence: Recurrence(kind: .custom, timeZone: "UTC", cron: "0 0 1 1 *"),
                          destinationIDs: [folder]),
            actor: .commandLine, ownerID: owner).id
        // Four connections at once: one after another, a thousand creations take most of a minute here.
        let slots = Locked<[UUID: Date]>([:])
        let databaseURL = databaseURL, limits = limits
        try Self.inParallel(4) { part in
            let service = ScheduleService(connection: try PostgresConnection(url: databaseURL), limits: limits)
            for index in stride(from: part, to: count, by: 4) {
                var named = draft
                named.name = "scale-out \(index)"
                let created = try service.create(named, actor: .commandLine, ownerID: owner)
                slots.update { $0[created.id] = created.nextRunAt }
            }
        }
        firstSlots = slots.value
    }

    func scheduler() throws -> ChildProcess {
        try ChildProcess(HeraldCommandTests.herald, ["scheduler"], environment: environment)
    }

    /// Pauses the counted schedules through the service, as `herald schedule pause` does.
    func pauseCounted() throws {
        let ids = Array(firstSlots.keys)
        let databaseURL = databaseURL, limits = limits
        try Self.inParallel(4) { part in
            let service = ScheduleService(connection: try PostgresConnection(url: databaseURL), limits: limits)
            for index in stride(from: part, to: ids.count, by: 4) {
                _ = try service.pause(ids[index], note: "end of the scale-out test", actor: .commandLine)
            }
        }
    }

    /// Runs `body(0)` … `body(parts - 1)` at once, each on its own thread; throws the first error any of them threw.
    static func inParallel(_ parts: Int, _ body: @Sendable (Int) throws -> Void) throws {
        let failure = Locked<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            do { try body(part) } catch { failure.update { $0 = $0 ?? error } }
        }
        if let error = failure.value { throw error }
    }

    /// Rows from Herald's database. A statement that meets the connection the test's own PostgreSQL restart dropped
    /// is asked again on a new one (the test only reads this way).
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        var attempt = 0
        while true {
            do {
                return try store.query(query)
            } catch let error as PostgresError where error.isTransient && attempt < 40 {
                attempt += 1
                usleep(250_000)
            }
        }
    }

    func count(_ sql: String) throws -> Int {
        try rows(PostgresQuery(unsafeSQL: "SELECT (\(sql))::int AS n"))[0].decode("n")
    }

    /// The counted schedules' ids, for `schedule_id IN ...`.
    static let counted = "(SELECT id FROM schedules WHERE name LIKE 'scale-out %')"
}

/// A value shared by threads, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
