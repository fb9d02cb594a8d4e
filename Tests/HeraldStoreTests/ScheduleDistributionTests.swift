import Foundation
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// Delivery reads the schedule's file name pattern and naming (migration 0008) unless the destination sets its own.
struct ScheduleDistributionTests {
    @Test func theSchedulesFileNameReachesDestinationsThatDoNotSetTheirOwn() throws {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: 1)
        let report: UUID = try setup.store.query("SELECT report_id FROM executions")[0].decode("report_id")
        let schedule: UUID = try setup.store.query("""
            INSERT INTO schedules (report_id, recurrence, time_zone, filename_pattern, naming)
            VALUES (\(report), '{"kind": "daily", "time_zone": "UTC", "time": "07:00"}', 'UTC', 'from-schedule-{date}.{format}', 'timestamp')
            RETURNING id
            """)[0].decode("id")
        try setup.store.execute("UPDATE executions SET schedule_id = \(schedule)")
        let plain: UUID = try setup.store.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('plain', 'folder', '{"path": "/tmp/plain"}') RETURNING id
            """)[0].decode("id")
        let own: UUID = try setup.store.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('own', 'folder', '{"path": "/tmp/own", "filename": "mine.csv"}') RETURNING id
            """)[0].decode("id")
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        let started = try worker.startDelivering(setup.executions[0], owner: "w", destinations: [plain, own], rowCount: 1,
                                                 artifacts: [KeptArtifact(format: "csv", fileName: "sales.csv", storagePath: "artifacts/x.csv", byteCount: 3, sha256Hex: "010203")],
                                                 releasing: (setup.source, try #require(job.sourceSlot)))
        struct Settings: Decodable { let path: String; let filename: String; let naming: String }
        let settings = try #require(started.due).map { try JSONDecoder().decode(Settings.self, from: Data($0.settings.utf8)) }
        let byPath = Dictionary(uniqueKeysWithValues: settings.map { ($0.path, $0) })
        #expect(byPath["/tmp/plain"]?.filename == "from-schedule-{date}.{format}")
        #expect(byPath["/tmp/plain"]?.naming == "timestamp")
        #expect(byPath["/tmp/own"]?.filename == "mine.csv")
    }
}
