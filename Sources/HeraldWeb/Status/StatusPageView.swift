import Foundation

/// `pages/status`: what `/readyz` checks, the queue, the workers, the last day's runs and the week ahead.
struct StatusPageView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let name: String; let status: String; let passed: Bool; let detail: String }
    struct Depth: Sendable, Encodable { let priority: Int; let depth: Int }
    struct Worker: Sendable, Encodable { let id: String; let role: String; let host: String; let pid: Int; let version: String; let started: TimeView; let beat: TimeView; let age: String; let inFlight: Int }
    struct RunCount: Sendable, Encodable { let status: String; let count: Int; let href: String }
    struct Cell: Sendable, Encodable { let x: Int; let y: Int; let opacity: String; let label: String }
    struct HourLabel: Sendable, Encodable { let x: Int; let text: String }
    struct DayLabel: Sendable, Encodable { let y: Int; let text: String }
    struct TableRow: Sendable, Encodable { let day: String; let counts: [Int] }

    let chrome: PageChrome
    let rows: [Row]
    let redisError: String?
    let queue: [Depth]
    let queueTotal: Int
    let workers: [Worker]
    let hasWorkers: Bool
    let runs: [RunCount]
    let zone: String
    let upcomingTotal: Int
    let truncated: Bool
    let cells: [Cell]
    let hourLabels: [HourLabel]
    let dayLabels: [DayLabel]
    let table: [TableRow]
    let hours: [Int]

    static let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let cellSize = 18

    init(chrome: PageChrome, results: [(String, ReadinessResult)], snapshot: StatusSnapshot, zone: String, now: Date = Date()) {
        self.chrome = chrome
        rows = results.map { name, result in
            let detail = result.output ?? result.observedValue.map { "\($0) \(result.observedUnit ?? "")" } ?? ""
            return Row(name: name, status: result.status.rawValue, passed: result.status == .pass, detail: detail)
        }
        redisError = snapshot.redisError
        queue = snapshot.queue.map { Depth(priority: $0.priority, depth: $0.depth) }
        queueTotal = snapshot.queue.reduce(0) { $0 + $1.depth }
        workers = snapshot.workers.map {
            Worker(id: $0.id, role: $0.role, host: $0.host, pid: $0.pid, version: $0.version, started: TimeView($0.startedAt, zone: zone),
                   beat: TimeView($0.beatAt, zone: zone), age: "\(max(Int(now.timeIntervalSince($0.beatAt)), 0)) s ago", inFlight: $0.inFlight)
        }
        hasWorkers = !workers.isEmpty
        runs = snapshot.runsLast24h.sorted { $0.key < $1.key }.map { RunCount(status: $0.key, count: $0.value, href: "/executions?status=\($0.key)") }
        self.zone = zone
        upcomingTotal = snapshot.upcoming.total
        truncated = snapshot.upcoming.truncated
        let maximum = max(snapshot.upcoming.cells.flatMap { $0 }.max() ?? 0, 1)
        let size = Self.cellSize
        cells = snapshot.upcoming.cells.enumerated().flatMap { day, hours in
            hours.enumerated().map { hour, count in
                Cell(x: 40 + hour * size, y: 20 + day * size,
                     opacity: count == 0 ? "0.06" : String(format: "%.2f", 0.2 + 0.8 * Double(count) / Double(maximum)),
                     label: "\(Self.days[day]) \(hour):00, \(count) run\(count == 1 ? "" : "s")")
            }
        }
        hourLabels = stride(from: 0, to: 24, by: 3).map { HourLabel(x: 40 + $0 * size + size / 2, text: String($0)) }
        dayLabels = Self.days.enumerated().map { DayLabel(y: 20 + $0.offset * size + 13, text: $0.element) }
        table = snapshot.upcoming.cells.enumerated().map { TableRow(day: Self.days[$0.offset], counts: $0.element) }
        hours = Array(0..<24)
    }
}
