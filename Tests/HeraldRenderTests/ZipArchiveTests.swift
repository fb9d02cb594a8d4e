import Foundation
import Testing
@testable import HeraldRender

/// Zip archives read back by Python's `zipfile` (Tests/HeraldRenderTests/Checkers/check_zip.py, run by the venv's
/// python that deploy/test.sh passes as HERALD_TEST_PYTHON) and tested by Info-ZIP's `unzip -t`.
struct ZipArchiveTests {
    /// Three files: an empty one, several MB of CSV, and binary bytes that do not compress.
    static func sources(in folder: String) throws -> [(name: String, path: String)] {
        let empty = folder + "/empty.csv"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let csv = folder + "/sales.csv"
        var text = "id,name,amount,day\r\n"
        for id in 1...120_000 { text += "\(id),customer \(id) — Zürich 東京,\(id * 37 % 10_007).25,2026-11-\(id % 28 + 1)\r\n" }
        _ = FileManager.default.createFile(atPath: csv, contents: Data(text.utf8))
        let binary = folder + "/noise.bin"
        var generator = SystemRandomNumberGenerator()
        _ = FileManager.default.createFile(atPath: binary, contents: Data((0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        return [("empty.csv", empty), ("Sales 2026-11 — Zürich.csv", csv), ("noise.bin", binary)]
    }

    static func check(_ archive: String, _ arguments: [String]) throws -> [String: Any] {
        let python = try #require(ProcessInfo.processInfo.environment["HERALD_TEST_PYTHON"], "HERALD_TEST_PYTHON is not set (deploy/test.sh sets it)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Checkers/check_zip.py").path
        let (status, data) = try programOutput(python, [script, archive] + arguments)
        try #require(status == 0, "check_zip.py exited with \(status)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static var unzip: String? { ["/usr/bin/unzip", "/bin/unzip"].first { FileManager.default.isExecutableFile(atPath: $0) } }

    func archive(_ sources: [(name: String, path: String)], at path: String, zip64Limit: UInt64? = nil) throws {
        let zip = if let zip64Limit { try ZipArchive(path: path, zip64Limit: zip64Limit) } else { try ZipArchive(path: path) }
        for source in sources { try zip.add(fileAt: source.path, name: source.name) }
        try zip.finish()
    }

    @Test func threeFilesReadBackByteForByteDeflatedWithUTF8Names() throws {
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sources = try Self.sources(in: folder)
        let path = folder + "/run.zip"
        try archive(sources, at: path)

        let read = try Self.check(path, sources.map { "\($0.name)=\($0.path)" })
        #expect(read["testzip"] is NSNull)
        let entries = try #require(read["entries"] as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == sources.map(\.name))
        #expect(entries.allSatisfy { $0["equal"] as? Bool == true })
        #expect(entries.allSatisfy { $0["deflated"] as? Bool == true })
        #expect(entries.allSatisfy { $0["utf8_flag"] as? Bool == true })
        #expect(entries.map { $0["file_size"] as? Int } == [0, try fileSize(sources[1].path), 300_000])
        // The CSV shrinks; the noise is stored at about its own size (deflate falls back to stored blocks).
        let csvCompressed = try #require(entries[1]["compress_size"] as? Int)
        #expect(csvCompressed < (try fileSize(sources[1].path)) / 3)
        #expect(try #require(entries[2]["compress_size"] as? Int) < 300_000 + 1_000)
        #expect(entries.allSatisfy { $0["mode"] as? Int == 0o100644 })
        // The DOS time of the files' modification (just now, local time), not 1980.
        let year = (entries[1]["date_time"] as? [Int])?.first ?? 0
        #expect(year >= 2024)
    }

    @Test func unzipTestsTheArchiveClean() throws {
        let unzip = try #require(Self.unzip, "unzip is not installed (deploy/lib.sh installs it)")
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/run.zip"
        try archive(try Self.sources(in: folder), at: path)
        let (status, output) = try programOutput(unzip, ["-t", path])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 0, "unzip -t: \(text)")
        #expect(text.contains("No errors detected"))
        #expect(text.contains("Sales 2026-11 — Zürich.csv"))
    }

    /// Zip64 fields for sizes and offsets, exercised below 4 GiB by lowering the limit (a 4 GiB test file would
    /// take minutes): both readers still find every byte.
    @Test func zip64FieldsAreReadByZipfileAndUnzip() throws {
        let unzip = try #require(Self.unzip, "unzip is not installed (deploy/lib.sh installs it)")
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sources = try Self.sources(in: folder)
        let path = folder + "/run.zip"
        try archive(sources, at: path, zip64Limit: 100_000)
        let read = try Self.check(path, sources.map { "\($0.name)=\($0.path)" })
        #expect(read["testzip"] is NSNull)
        let entries = try #require(read["entries"] as? [[String: Any]])
        #expect(entries.count == 3 && entries.allSatisfy { $0["equal"] as? Bool == true })
        let (status, output) = try programOutput(unzip, ["-t", path])
        #expect(status == 0, "unzip -t: \(String(decoding: output, as: UTF8.self))")
    }

    /// More than 65,535 entries need the Zip64 end records (the classic count is 16 bits).
    @Test func seventyThousandEntriesUseTheZip64EndRecords() throws {
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = folder + "/one.csv"
        _ = FileManager.default.createFile(atPath: source, contents: Data("id\r\n1\r\n".utf8))
        let path = folder + "/many.zip"
        let zip = try ZipArchive(path: path)
        for index in 1...70_000 { try zip.add(fileAt: source, name: "part-\(index).csv") }
        try zip.finish()
        let read = try Self.check(path, ["--count"])
        #expect(read["testzip"] is NSNull)
        #expect(read["count"] as? Int == 70_000)
        #expect(read["last"] as? String == "part-70000.csv")
    }

    @Test(arguments: ["", ".hidden", "..", "../etc/passwd", "a/b.csv", "a\\b.csv", "nul\u{0}.csv", "tab\t.csv", String(repeating: "x", count: 256)])
    func unsafeNamesAreRefused(name: String) throws {
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = folder + "/one.csv"
        _ = FileManager.default.createFile(atPath: source, contents: Data("x".utf8))
        let zip = try ZipArchive(path: folder + "/run.zip")
        #expect(throws: RenderError.self) { try zip.add(fileAt: source, name: name) }
        // A refused name writes nothing: the archive is still whole.
        try zip.add(fileAt: source, name: "ok.csv")
        try zip.finish()
        #expect((try Self.check(folder + "/run.zip", [])["entries"] as? [Any])?.count == 1)
    }

    @Test func anExistingFileIsNeverOverwrittenAndAMissingSourceIsAnError() throws {
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/run.zip"
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep".utf8))
        #expect(throws: RenderError.self) { try ZipArchive(path: path) }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
        let zip = try ZipArchive(path: folder + "/other.zip")
        #expect(throws: RenderError.self) { try zip.add(fileAt: folder + "/missing.csv", name: "missing.csv") }
    }

    @Test func dosTimesClampToTheFormatsRange() {
        #expect(DOSDateTime(unixSeconds: 0) == DOSDateTime(time: 0, date: 1 << 5 | 1))
        #expect(DOSDateTime(unixSeconds: 5_000_000_000).date == 127 << 9 | 12 << 5 | 31)
    }

    /// 200 MB zipped by RenderProbe in a process of its own: the peak resident size barely moves (chunks, not files).
    @Test func twoHundredMegabytesZipInBoundedMemory() throws {
        let folder = try StreamedExportTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (status, output) = try programOutput(testBinDirectory + "/RenderProbe", ["zip", folder + "/big.zip", "200"])
        try #require(status == 0, "RenderProbe exited with \(status)")
        let peaks = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Int])
        let growth = try #require(peaks["after_kib"]) - (try #require(peaks["before_kib"]))
        #expect(growth < 16 * 1024, "peak resident size grew by \(growth) KiB")
        let read = try Self.check(folder + "/big.zip", ["--count"])
        #expect(read["testzip"] is NSNull)
        #expect(read["count"] as? Int == 1)
    }

    func fileSize(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }
}
