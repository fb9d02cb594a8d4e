import Foundation
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// A first attempt whose destinations are all folders skips `startDelivering`: its claim hands out the deliveries,
/// and one `finish` records them with their outcomes, the files, the query's figures and the end, and frees the
/// data source slot. Against a real PostgreSQL.
struct ExecutionLeaseFreshFinishTests {
    typealias Setup = ExecutionLeaseRepositoryTests.Setup

    /// `ExecutionLeaseRepositoryTests.setup` (a source limited to one, `count` manual runs), with a folder and an
    /// email destination; the first run goes to `destinations` of them.
    static func setup(count: Int, destinations: [String]) throws -> (setup: Setup, folder: UUID, email: UUID) {
        let setup = try ExecutionLeaseRepositoryTests.setup(count: count)
        let folder: UUID = try setup.store.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('drop', 'folder', '{"path": "finance"}') RETURNING id
            """)[0].decode("id")
        let email: UUID = try setup.store.query("""
            INSERT INTO destinations (name, kind, settings) VALUES ('team', 'email', '{"to": ["a@example.com"]}') RETURNING id
            """)[0].decode("id")
        let ids = destinations.map { $0 == "folder" ? folder : email }
        try setup.store.execute("UPDATE executions SET destination_ids = \(ids)::uuid[] WHERE id = \(setup.executions[0])")
        return (setup, folder, email)
    }

    static func count(_ store: PostgresConnection, _ sql: String) throws -> Int {
        try store.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(sql)"))[0].decode("n")
    }

    static let file = KeptArtifact(format: "csv", fileName: "sales.csv", storagePath: "artifacts/x.csv", byteCount: 3, sha256Hex: "010203")

    @Test func aFirstRunToAFolderIsRecordedWholeByItsFinish() throws {
        let (setup, folder, _) = try Self.setup(count: 2, destinations: ["folder"])
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        let targets = try #require(job.freshTargets)
        let slot = try #require(job.sourceSlot)
        #expect(targets.map(\.destinationID) == [folder])
        #expect(targets[0].settings.contains("\"path\": \"finance\""))
        // Another run waits for the source's one slot.
        let waiter = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        _ = try ExecutionLeaseRepositoryTests.claimed(try waiter.claim(setup.executions[1], owner: "b", leaseSeconds: 30))
        #expect(try waiter.park(setup.executions[1], owner: "b", dataSourceID: setup.source, maxConcurrency: 1) == nil)

        let artifactID = UUID()
        let fresh = ExecutionLeaseRepository.Fresh(
            deliveries: targets, artifacts: [(artifactID, Self.file)], truncated: true, parameters: #"{"day": "2026-12-01"}"#,
            preview: #"{"columns": ["n"], "rows": [["1"]]}"#, resultDigest: [UInt8](repeating: 9, count: 32), releasing: (setup.source, slot))
        let finished = try worker.finish(ExecutionLeaseRepository.Finish(
            id: job.id, owner: "w", outcomes: [DeliveryOutcome(deliveryID: targets[0].id, result: .succeeded(detail: "finance/sales.csv"))],
            rowCount: 7, timings: ["query": 0.01], fresh: fresh))
        let ended = try #require(finished)
        #expect(ended.status == "succeeded")
        #expect(ended.woken == [WokenRun(id: setup.executions[1], priority: 9)])

        let run = try setup.store.query("""
            SELECT status, step, row_count, truncated, parameters->>'day' AS day, preview->'columns'->>0 AS column,
                   encode(result_sha256, 'hex') AS digest, lease_owner, finished_at IS NOT NULL AS finished
            FROM executions WHERE id = \(job.id)
            """)[0]
        #expect(try run.decode("status", as: String.self) == "succeeded")
        #expect(try run.decode("step", as: String?.self) == nil)
        #expect(try run.decode("row_count", as: Int.self) == 7)
        #expect(try run.decode("truncated", as: Bool.self))
        #expect(try run.decode("day", as: String.self) == "2026-12-01")
        #expect(try run.decode("column", as: String.self) == "n")
        #expect(try run.decode("digest", as: String.self) == String(repeating: "09", count: 32))
        #expect(try run.decode("lease_owner", as: String?.self) == nil)
        #expect(try run.decode("finished", as: Bool.self))
        let delivery = try setup.store.query("""
            SELECT id, destination_id, channel, recipient, idempotency_key, status, attempts, detail, delivered_at IS NOT NULL AS delivered
            FROM deliveries WHERE execution_id = \(job.id)
            """)
        #expect(delivery.count == 1)
        #expect(try delivery[0].decode("id", as: UUID.self) == targets[0].id)
        #expect(try delivery[0].decode("destination_id", as: UUID.self) == folder)
        #expect(try delivery[0].decode("channel", as: String.self) == "folder")
        #expect(try delivery[0].decode("idempotency_key", as: String.self) == "\(job.id.uuidString.lowercased()):\(folder.uuidString.lowercased()):")
        #expect(try delivery[0].decode("status", as: String.self) == "succeeded")
        #expect(try delivery[0].decode("attempts", as: Int.self) == 1)
        #expect(try delivery[0].decode("detail", as: String.self) == "finance/sales.csv")
        #expect(try delivery[0].decode("delivered", as: Bool.self))
        let artifact = try setup.store.query("SELECT id, storage_path, encode(sha256, 'hex') AS sha FROM artifacts WHERE execution_id = \(job.id)")
        #expect(try artifact.map { try $0.decode("id", as: UUID.self) } == [artifactID])
        #expect(try artifact[0].decode("sha", as: String.self) == "010203")
        #expect(try Self.count(setup.store, "pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 0)
    }

    @Test func aFailedFolderDeliveryWaitsForItsRetryAndTheRetryTakesTheGeneralPath() throws {
        let (setup, _, _) = try Self.setup(count: 1, destinations: ["folder"])
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        let targets = try #require(job.freshTargets)
        let slot = try #require(job.sourceSlot)
        let retryAt = Date().addingTimeInterval(-1)
        let finished = try worker.finish(ExecutionLeaseRepository.Finish(
            id: job.id, owner: "w", outcomes: [DeliveryOutcome(deliveryID: targets[0].id, result: .failed(error: "disk full", retryAt: retryAt))],
            rowCount: 1, timings: [:],
            fresh: ExecutionLeaseRepository.Fresh(deliveries: targets, artifacts: [(UUID(), Self.file)], truncated: false, parameters: nil,
                                                  preview: nil, resultDigest: nil, releasing: (setup.source, slot))))
        let ended = try #require(finished)
        #expect(ended.status == "queued")
        #expect(abs((ended.notBefore ?? .distantPast).timeIntervalSince(retryAt)) < 0.01)
        let row = try setup.store.query("SELECT status, attempts, last_error FROM deliveries WHERE execution_id = \(job.id)")[0]
        #expect(try row.decode("status", as: String.self) == "failed")
        #expect(try row.decode("attempts", as: Int.self) == 1)
        #expect(try row.decode("last_error", as: String.self) == "disk full")

        // The retry re-delivers the kept file through `startDelivering`: it has a delivery row and a kept artifact.
        let retry = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(job.id, owner: "w", leaseSeconds: 30))
        #expect(retry.freshTargets == nil)
        #expect(retry.keptArtifacts.map(\.storagePath) == ["artifacts/x.csv"])
        let started = try worker.startDelivering(job.id, owner: "w", destinations: retry.destinationIDs, rowCount: nil, artifacts: [])
        #expect(started.due?.map(\.id) == [targets[0].id])
    }

    @Test func anEmailDestinationTakesTheGeneralPath() throws {
        let (setup, _, _) = try Self.setup(count: 1, destinations: ["folder", "email"])
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        #expect(job.destinationIDs.count == 2)
        #expect(job.freshTargets == nil)
    }

    @Test func aDeletedDestinationTakesTheGeneralPath() throws {
        let (setup, folder, _) = try Self.setup(count: 1, destinations: ["folder"])
        try setup.store.execute("DELETE FROM destinations WHERE id = \(folder)")
        let worker = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try worker.claim(setup.executions[0], owner: "w", leaseSeconds: 30))
        #expect(job.freshTargets == nil)
        // `startDelivering` records the dead row that says so.
        let started = try worker.startDelivering(job.id, owner: "w", destinations: job.destinationIDs, rowCount: 1, artifacts: [])
        #expect(started.due?.isEmpty == true)
        #expect(try Self.count(setup.store, "deliveries WHERE status = 'dead' AND last_error LIKE '%no longer exists'") == 1)
    }

    @Test func aFreshFinishThatLostItsLeaseRecordsNothingButFreesItsSlotForTheReconcilers() throws {
        let (setup, _, _) = try Self.setup(count: 2, destinations: ["folder"])
        let loser = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        let job = try ExecutionLeaseRepositoryTests.claimed(try loser.claim(setup.executions[0], owner: "loser", leaseSeconds: 30))
        let targets = try #require(job.freshTargets)
        let slot = try #require(job.sourceSlot)
        let waiter = ExecutionLeaseRepository(connection: try PostgresConnection(url: setup.url))
        _ = try ExecutionLeaseRepositoryTests.claimed(try waiter.claim(setup.executions[1], owner: "b", leaseSeconds: 30))
        #expect(try waiter.park(setup.executions[1], owner: "b", dataSourceID: setup.source, maxConcurrency: 1) == nil)
        // Taken over while the loser was stopped.
        try setup.store.execute("UPDATE executions SET lease_owner = 'winner' WHERE id = \(job.id)")

        let ended = try loser.finish(ExecutionLeaseRepository.Finish(
            id: job.id, owner: "loser", outcomes: [DeliveryOutcome(deliveryID: targets[0].id, result: .succeeded(detail: "x"))],
            rowCount: 1, timings: [:],
            fresh: ExecutionLeaseRepository.Fresh(deliveries: targets, artifacts: [(UUID(), Self.file)], truncated: false, parameters: nil,
                                                  preview: nil, resultDigest: nil, releasing: (setup.source, slot))))
        #expect(ended == nil)
        #expect(try Self.count(setup.store, "artifacts") == 0)
        #expect(try Self.count(setup.store, "deliveries") == 0)
        #expect(try Self.count(setup.store, "executions WHERE status = 'running' AND lease_owner = 'winner'") == 1)
        #expect(try Self.count(setup.store, "pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 0)
        // The parked run was woken by the release, then left for a reconciler to put on a stream (no Redis here).
        #expect(try Self.count(setup.store, "executions WHERE status = 'queued' AND waiting_source_id IS NULL AND enqueued_at IS NULL") == 1)
        #expect(try ExecutionRepository(connection: setup.store).takeReady(firedGrace: 0).map(\.id) == [setup.executions[1]])
    }
}
