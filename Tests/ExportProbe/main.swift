import Foundation
import HeraldRender
import HeraldStore
import Postgres

/// `ExportProbe FORMATS DATABASE_URL SQL PATH`: runs SQL on PostgreSQL the way a worker runs a report
/// (`ReportQueryRunner.stream`: one round trip, single-row mode, `READ ONLY`) and streams its rows into the
/// renderers of FORMATS (`csv`, `xlsx`, `pdf`, `html`, `json`, comma-separated: one query feeds them all), each
/// writing `PATH.FORMAT`. Prints one JSON line: the rows, the seconds from the query's start to the last file's
/// close, and this process's peak resident memory (VmHWM, KiB) before the query and at the end.
/// deploy/bench-export.sh runs it once per format; it is a measuring tool, not a command people use.
enum ExportProbe {
    static func peakMemoryKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else {
            throw RenderError("no VmHWM in /proc/self/status")
        }
        return kib
    }

    static func renderer(_ format: String, path: String, context: ReportContext) throws -> any ReportRenderer {
        switch format {
        case "csv": try CSVRenderer(path: path)
        case "xlsx": try XLSXRenderer(path: path, context: context)
        case "pdf": try PDFRenderer(path: path, context: context)
        case "html": try HTMLRenderer(path: path, context: context)
        case "json": try JSONRenderer(path: path)
        default: throw RenderError("unknown format \(format)")
        }
    }

    static func run(formats: [String], url: String, sql: String, path: String) throws {
        let connection = try PostgresConnection(url: url)
        let context = ReportContext(reportName: "Export benchmark", logicalTime: "2026-12-01 00:00:00",
                                    generatedAt: "2026-12-01 00:00:05", timeZone: "UTC")
        let renderers = try formats.map { try renderer($0, path: "\(path).\($0)", context: context) }
        let before = try peakMemoryKiB()
        let started = ContinuousClock.now
        let streamed = try ReportQueryRunner(connection: connection).stream(
            sql: sql, statementTimeoutMs: 3_600_000, rowLimit: Int.max,
            columns: { columns in
                let typed = columns.map { ReportColumn(name: $0.name, type: ColumnType(postgresOID: $0.typeOID)) }
                for renderer in renderers { try renderer.begin(columns: typed) }
            },
            row: { values in
                for renderer in renderers { try renderer.append(values) }
            })
        for renderer in renderers { try renderer.finish(truncated: streamed.truncated) }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(#"{"formats":"\#(formats.joined(separator: ","))","rows":\#(streamed.rowCount),"seconds":\#(seconds),"before_kib":\#(before),"peak_kib":\#(try peakMemoryKiB())}"#)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 5 else {
    FileHandle.standardError.write(Data("usage: ExportProbe csv|xlsx|pdf|html|json[,...] DATABASE_URL SQL PATH\n".utf8))
    exit(2)
}
do {
    try ExportProbe.run(formats: arguments[1].split(separator: ",").map(String.init), url: arguments[2], sql: arguments[3], path: arguments[4])
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
