import Foundation
import Testing
@testable import HeraldDoctor

/// The parts of `herald doctor` that need no server: thresholds, redaction, capping, the data folder.
struct DoctorVerdictTests {
    @Test func clockSkewIsAWarningOverOneSecondAndAFailureOverThirty() {
        #expect(Doctor.clockStatus(skew: 0.4) == .ok)
        #expect(Doctor.clockStatus(skew: -1.5) == .warning)
        #expect(Doctor.clockStatus(skew: 29) == .warning)
        #expect(Doctor.clockStatus(skew: -31) == .failed)
    }

    @Test func freeSpaceIsAWarningBelowOneGiBOrFivePercentAndAFailureBelow100MiB() {
        let mib = Doctor.mebibyte
        #expect(Doctor.freeSpaceStatus(available: 50 * 1024 * mib, total: 100 * 1024 * mib) == .ok)
        #expect(Doctor.freeSpaceStatus(available: 900 * mib, total: 2 * 1024 * mib) == .warning)
        #expect(Doctor.freeSpaceStatus(available: 4 * 1024 * mib, total: 100 * 1024 * mib) == .warning, "4 % of the disk")
        #expect(Doctor.freeSpaceStatus(available: 99 * mib, total: 1024 * mib) == .failed)
    }

    @Test func theDatabaseURLIsShownWithoutPasswordOrQuery() {
        let shown = Doctor.withoutCredentials("postgresql://herald:s3cret@db.example.org:5433/herald?password=other&sslmode=require")
        #expect(shown == "postgresql://herald@db.example.org:5433/herald")
    }

    @Test func itemsAreCappedButCountedInFull() {
        let result = DoctorResult("artifact files", .failed, "many", items: (1...50).map { "f\($0)" })
        #expect(result.items.count == DoctorResult.itemLimit)
        #expect(result.itemTotal == 50)
        var list = ItemList()
        for i in 1...1000 { list.append("x\(i)") }
        #expect(list.items.count == DoctorResult.itemLimit)
        #expect(list.total == 1000)
    }

    @Test func theWorstStatusWins() {
        #expect([DoctorResult("a", .ok, ""), DoctorResult("b", .warning, "")].worst == .warning)
        #expect([DoctorResult("a", .failed, ""), DoctorResult("b", .warning, "")].worst == .failed)
        #expect([DoctorResult]().worst == .ok)
    }

    @Test func anArtifactFileNamesItsExecution() {
        let id = UUID()
        #expect(Doctor.executionID("artifacts/2026/01/31/\(id.uuidString.lowercased())-1a2b3c.csv") == id)
        #expect(Doctor.executionID("artifacts/2026/01/31/notes.txt") == nil)
    }

    @Test func aBadSettingFailsTheConfigurationCheckNamingTheKeyNotTheValue() {
        let results = Doctor(environment: [
            "HERALD_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1/db", "HERALD_REDIS_URL": "redis://127.0.0.1",
            "HERALD_SECRET_KEY": "q3mYhS0yJ4oKXrG1b8Wl2vJ+u3zZp9TqC6dNfE0aR7s=", "HERALD_WEB_THREADS": "0",
        ]).run()
        #expect(results.count == 1)
        #expect(results[0].name == "configuration")
        #expect(results[0].status == .failed)
        #expect(results[0].message.contains("HERALD_WEB_THREADS"))
        #expect(!results[0].message.contains("hunter2"))
    }

    @Test func aMissingDataFolderOrAFileInItsPlaceFails() throws {
        let missing = NSTemporaryDirectory() + "herald-doctor-missing-" + UUID().uuidString
        #expect(Doctor(environment: [:]).dataFolderCheck(missing).status == .failed)
        let file = NSTemporaryDirectory() + "herald-doctor-file-" + UUID().uuidString
        try Data().write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        let result = Doctor(environment: [:]).dataFolderCheck(file)
        #expect(result.status == .failed)
        #expect(result.message.contains("not a folder"))
    }

    @Test func aWritableDataFolderPassesAndKeepsNoProbeFile() throws {
        let folder = NSTemporaryDirectory() + "herald-doctor-ok-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(Doctor(environment: [:]).dataFolderCheck(folder).status == .ok)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
