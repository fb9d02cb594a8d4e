import Foundation

/// `pages/status`: what `/readyz` checks, the queue, the workers, how the last day and week went, the slowest and
/// failing schedules, breakers and dead letters, the last day's runs and the week ahead.
struct StatusPageView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let name: String; let status: String; let passed: Bool; let detail: String }
    struct Depth: Sendable, Encodable { let priority: Int; let depth: Int }
    struct Worker: Sendable, Encodable { let id: String; let role: String; let host: String; let pid: Int; let version: String; let started: TimeView; let beat: TimeView; let age: String; let inFlight: Int }
    struct RunCount: Sendable, Encodable { let status: String; let count: Int; let href: String }
    struct Cell: Sendable, Encodable { let x: Int; let y: Int; let opacity: String; let label: String }
    struct HourLabel: Sendable, Encodable { let x: Int; let text: String }
    struct DayLabel: Sendable, Encodable { let y: Int; let text: String }
    struct TableRow: Sendable, Encodable { let day: String; let counts: [Int] }
    struct Period: Sendable, Encodable { let label: String; let ended: Int; let successRate: String; let average: String }
    struct Slow: Sendable, Encodable { let href: String; let name: String; let runs: Int; let average: String; let longest: String }
    struct Failing: Sendable, Encodable { let href: String; let name: String; let status: String; let finished: TimeView?; let error: String }
    struct Breaker: Sendable, Encodable { let host: String; let until: TimeView }

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
    let periods: [Period]
    let slowest: [Slow]
    let hasSlowest: Bool
    let failing: [Failing]
    let hasFailing: Bool
    let failingTotal: Int
    let failingMore: Bool
    let deadLetters: Int
    let hasDeadLetters: Bool
    let breakers: [Breaker]
    let hasBreakers: Bool
    /// Redis was read (else the breakers are unknown and `redisError` says so).
    let breakersKnown: Bool

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
        periods = [("Last 24 hours", snapshot.last24h), ("Last 7 days", snapshot.last7d)].map { label, period in
            Period(label: label, ended: period.ended,
                   successRate: period.successRate.map { String(format: "%.1f%%", $0 * 100) } ?? "–",
                   average: period.averageSeconds.map(Self.duration) ?? "–")
        }
        slowest = snapshot.slowestSchedules.map {
            Slow(href: "/schedules/\($0.id.uuidString.lowercased())", name: $0.name, runs: $0.runs,
                 average: Self.duration($0.averageSeconds), longest: Self.duration($0.longestSeconds))
        }
        hasSlowest = !slowest.isEmpty
        failing = snapshot.failingSchedules.map {
            Failing(href: "/schedules/\($0.id.uuidString.lowercased())", name: $0.name, status: $0.status,
                    finished: $0.finishedAt.map { TimeView($0, zone: zone) }, error: String(($0.error ?? "").prefix(200)))
        }
        hasFailing = !failing.isEmpty
        failingTotal = snapshot.failingTotal
        failingMore = snapshot.failingTotal > snapshot.failingSchedules.count
        deadLetters = snapshot.deadLettersWaiting
        hasDeadLetters = deadLetters > 0
        breakers = (snapshot.breakersOpen ?? []).map { Breaker(host: $0.host, until: TimeView($0.openUntil, zone: zone)) }
        hasBreakers = !breakers.isEmpty
        breakersKnown = snapshot.breakersOpen != nil
    }

    /// `0.42 s`, `12.3 s`, `4 min 05 s`, `2 h 03 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole % 3600 / 60)
    }
}
