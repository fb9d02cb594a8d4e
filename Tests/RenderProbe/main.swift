import Foundation
import HeraldRender

/// `RenderProbe xlsx|pdf PATH ROWS`: renders ROWS rows of four typed columns into PATH in a process of its own and
/// prints its peak resident memory before and after (VmHWM, KiB) as JSON. `RenderProbe zip PATH MEGABYTES`: writes a
/// CSV file of that size beside PATH, then zips it into PATH (the peaks are taken around the zipping only). The
/// renderers' tests run it so that the bound on an export's memory is not blurred by the other tests running beside
/// them in the test process.
enum RenderProbe {
    static func peakMemoryKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ")[1]) else { throw RenderError("no VmHWM in /proc/self/status") }
        return kib
    }

    static func zip(path: String, megabytes: Int) throws {
        let source = path + ".source.csv"
        guard let handle = FileHandle(forWritingAtPath: source) ?? {
            _ = FileManager.default.createFile(atPath: source, contents: nil)
            return FileHandle(forWritingAtPath: source)
        }() else { throw RenderError("cannot create \(source)") }
        var line = 0
        for _ in 0..<megabytes {
            var chunk = ""
            while chunk.utf8.count < 1_048_576 - 64 {
                line += 1
                chunk += "\(line),customer \(line &* 2_654_435_761 % 1_000_003) — Zürich,\(line % 9_973).25\r\n"
            }
            chunk += String(repeating: " ", count: 1_048_576 - chunk.utf8.count)
            handle.write(Data(chunk.utf8))
        }
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: source) }
        let before = try peakMemoryKiB()
        let archive = try ZipArchive(path: path)
        try archive.add(fileAt: source, name: "probe.csv")
        try archive.finish()
        print(#"{"before_kib":\#(before),"after_kib":\#(try peakMemoryKiB())}"#)
    }

    static func run(format: String, path: String, rows: Int) throws {
        let before = try peakMemoryKiB()
        let context = ReportContext(reportName: "Probe", logicalTime: "2026-11-23 07:00:00", generatedAt: "2026-11-23 07:00:04",
                                    timeZone: "Europe/Berlin")
        let renderer: any ReportRenderer
        switch format {
        case "xlsx": renderer = try XLSXRenderer(path: path, context: context)
        case "pdf": renderer = try PDFRenderer(path: path, context: context)
        default: throw RenderError("unknown format \(format)")
        }
        try renderer.begin(columns: [ReportColumn(name: "id", type: .integer), ReportColumn(name: "name", type: .text),
                                     ReportColumn(name: "amount", type: .number), ReportColumn(name: "at", type: .timestamptz)])
        for index in 1...max(rows, 1) {
            try renderer.append(["\(index)", "customer \(index) — Zürich", "\(index).25", "2026-11-23 07:00:00+00"])
        }
        try renderer.finish(truncated: false)
        print(#"{"before_kib":\#(before),"after_kib":\#(try peakMemoryKiB())}"#)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let rows = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: RenderProbe xlsx|pdf PATH ROWS | RenderProbe zip PATH MEGABYTES\n".utf8))
    exit(2)
}
do {
    if arguments[1] == "zip" {
        try RenderProbe.zip(path: arguments[2], megabytes: rows)
    } else {
        try RenderProbe.run(format: arguments[1], path: arguments[2], rows: rows)
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
