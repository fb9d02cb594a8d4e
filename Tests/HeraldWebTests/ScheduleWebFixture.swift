import Foundation
import HeraldCore
import HeraldStore
import Postgres
@testable import HeraldWeb

/// A harness with users, their reports and destinations, for the schedule pages and API.
struct ScheduleWebFixture {
    let web: WebHarness
    let ada: User, bob: User, vic: User
    let report: UUID, bobReport: UUID
    let folder: UUID, bobFolder: UUID

    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)"]

    init(reportName: String = "Sales", settings: WebSettings = WebSettings(secretKey: Array(repeating: 3, count: 32))) async throws {
        web = try await WebHarness(settings: settings)
        ada = try web.addUser("ada@example.org", role: .creator)
        bob = try web.addUser("bob@example.org", role: .creator)
        vic = try web.addUser("vic@example.org", role: .viewer)
        let source = try DataSourceRepository(connection: web.store, secretKey: Array(repeating: 3, count: 32))
            .create(name: "warehouse", url: "postgresql://reader:s3cret@127.0.0.1/shop")
        report = try ReportRepository(connection: web.store).create(name: reportName, dataSourceID: source, sql: "SELECT 1", ownerID: ada.id)
        bobReport = try ReportRepository(connection: web.store).create(name: "Stock", dataSourceID: source, sql: "SELECT 1", ownerID: bob.id)
        let store = web.store
        func makeFolder(_ name: String, _ owner: UUID) throws -> UUID {
            try store.query("""
                INSERT INTO destinations (name, kind, settings, owner_id) VALUES (\(name), 'folder', '{"path": "reports"}', \(owner)) RETURNING id
                """)[0].decode("id")
        }
        folder = try makeFolder("/tmp/ada", ada.id)
        bobFolder = try makeFolder("/tmp/bob", bob.id)
    }

    func token(_ email: String) throws -> String {
        try AccountService(connection: web.store).createToken(email: email, name: "test", actor: "test").token
    }

    /// An API call with a bearer token.
    func api(_ method: String, _ path: String, token: String, json: String? = nil, query: String = "") -> HTTPResponse {
        var headers = ["Authorization": "Bearer \(token)"]
        if json != nil { headers["Content-Type"] = "application/json" }
        return web.respond(method, path, query: query, headers: headers, body: json ?? "")
    }

    func body(name: String = "Morning", time: String = "07:00") -> String {
        """
        {"name": \(Self.quoted(name)), "report_id": "\(report.uuidString)", "destination_ids": ["\(folder.uuidString)"],
         "recurrence": {"kind": "daily", "time_zone": "Europe/Berlin", "time": "\(time)"}}
        """
    }

    @discardableResult
    func createSchedule(name: String = "Morning", owner: User? = nil) throws -> ScheduleRecord {
        let service = ScheduleService(connection: web.store, limits: ScheduleLimits(minimumInterval: 3600, maxSchedulesPerUser: 100))
        let principal = try UserRepository(connection: web.store).principal(userID: (owner ?? ada).id)!
        return try service.create(ScheduleDraft(name: name, reportID: report, recurrence: Recurrence(kind: .daily, timeZone: "Europe/Berlin", time: "07:00"),
                                                destinationIDs: [folder]), actor: .user(principal))
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}

func jsonObject(_ response: HTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
}
