import Foundation

/// The UTC offsets of one IANA time zone, read from the system's TZif file (`/usr/share/zoneinfo`, the same data
/// Python's zoneinfo and most of the system use), with the POSIX rule at its end for instants past the last listed
/// transition. Loaded once per zone and then pure lookups: no ICU, no Foundation Calendar.
public final class ZoneRules: Sendable {
    public let identifier: String
    /// UTC instants at which the offset changes, ascending, and the offset from each on.
    let transitions: [Int64]
    let offsets: [Int32]
    /// The offset before the first transition.
    let initialOffset: Int32
    let rule: PosixZoneRule?

    init(identifier: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32, rule: PosixZoneRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.rule = rule
    }

    public static let utc = ZoneRules(identifier: "UTC", transitions: [], offsets: [], initialOffset: 0, rule: nil)

    nonisolated(unsafe) private static var cache: [String: ZoneRules] = ["UTC": utc]
    private static let lock = NSLock()
    static let searchPaths = ["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo"]

    /// The rules of an IANA zone such as `Europe/Berlin`; an unknown or malformed name is a `ValidationError`.
    public static func named(_ identifier: String) throws(ValidationError) -> ZoneRules {
        lock.lock()
        if let cached = cache[identifier] { lock.unlock(); return cached }
        lock.unlock()
        let valid = !identifier.isEmpty && identifier.count < 64 && !identifier.hasPrefix("/") && !identifier.contains("..")
            && identifier.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_-+".contains($0)) }
        guard valid, let data = searchPaths.lazy.compactMap({ FileManager.default.contents(atPath: "\($0)/\(identifier)") }).first,
              let rules = TZifParser.parse([UInt8](data), identifier: identifier) else {
            throw ValidationError(field: "time_zone", message: "\(identifier.prefix(64)) is not a known IANA time zone (such as Europe/Berlin)")
        }
        lock.lock()
        cache[identifier] = rules
        lock.unlock()
        return rules
    }

    /// Seconds east of UTC in force at a UTC instant.
    public func offset(at instant: Int64) -> Int32 {
        if let rule, let last = transitions.last, instant >= last { return rule.offset(at: instant) }
        if transitions.isEmpty { return rule?.offset(at: instant) ?? initialOffset }
        if instant < transitions[0] { return initialOffset }
        var low = 0, high = transitions.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if transitions[mid] <= instant { low = mid } else { high = mid - 1 }
        }
        return offsets[low]
    }

    /// The UTC instants whose local wall time is `wall`: both in a repeated hour (earlier first), none in a gap.
    /// Offsets change at most once around any instant, so the offsets a day before and after are the candidates.
    func occurrences(ofWall wall: Int64) -> (first: Int64?, second: Int64?) {
        let before = Int64(offset(at: wall - 86_400)), after = Int64(offset(at: wall + 86_400))
        let early = wall - max(before, after), late = wall - min(before, after)
        let earlyValid = Int64(offset(at: early)) == wall - early
        let lateValid = early != late && Int64(offset(at: late)) == wall - late
        switch (earlyValid, lateValid) {
        case (true, true): return (early, late)
        case (true, false): return (early, nil)
        case (false, true): return (late, nil)
        case (false, false): return (nil, nil)
        }
    }

    func exists(wall: Int64) -> Bool { occurrences(ofWall: wall).first != nil }

    /// Python's (PEP 495) reading of a wall time: `fold` picks the occurrence in a repeated hour; in a gap, fold 0
    /// uses the offset from before the transition and fold 1 the one after.
    func instant(forWall wall: Int64, fold: Int) -> Int64 {
        switch occurrences(ofWall: wall) {
        case (nil, _): return wall - Int64(fold == 0 ? offset(at: wall - 86_400) : offset(at: wall + 86_400))
        case (let first?, nil): return first
        case (let first?, let second?): return fold == 0 ? first : second
        }
    }

    /// Wall time and fold of a UTC instant.
    func wall(at instant: Int64) -> (wall: Int64, fold: Int) {
        let wall = instant + Int64(offset(at: instant))
        let found = occurrences(ofWall: wall)
        return (wall, found.second == instant ? 1 : 0)
    }
}

/// The POSIX TZ string at the end of a TZif file, e.g. `CET-1CEST,M3.5.0,M10.5.0/3` or
/// `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0`: the rule for every year after the listed transitions.
struct PosixZoneRule: Sendable {
    enum DateRule: Sendable {
        case monthWeekDay(month: Int, week: Int, weekday: Int)   // Mm.w.d, week 5 = last
        case julianNoLeap(Int)                                    // Jn, 1...365, Feb 29 never counted
        case zeroBased(Int)                                       // n, 0...365
    }

    let standardOffset: Int32
    let daylightOffset: Int32?
    let start: (DateRule, Int32)?
    let end: (DateRule, Int32)?

    func offset(at instant: Int64) -> Int32 {
        guard let daylightOffset, let start, let end else { return standardOffset }
        let year = CivilDate(days: Int((instant + Int64(standardOffset)) / 86_400 - (instant < 0 ? 1 : 0))).year
        // Transitions of the neighbouring years too, so an instant just after New Year sees last year's change.
        var changes: [(Int64, Int32)] = []
        for y in (year - 1)...(year + 1) {
            changes.append((Self.wallSeconds(start.0, year: y) + Int64(start.1) - Int64(standardOffset), daylightOffset))
            changes.append((Self.wallSeconds(end.0, year: y) + Int64(end.1) - Int64(daylightOffset), standardOffset))
        }
        changes.sort { $0.0 < $1.0 }
        return changes.last { $0.0 <= instant }?.1 ?? standardOffset
    }

    /// Local midnight of the rule's day in `year`, as wall seconds.
    static func wallSeconds(_ rule: DateRule, year: Int) -> Int64 {
        let days: Int
        switch rule {
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilDate(year: year, month: month, day: 1)
            var day = 1 + (weekday - first.weekday + 7) % 7 + (week - 1) * 7
            let length = CivilDate.daysIn(month: month, year: year)
            while day > length { day -= 7 }
            days = CivilDate(year: year, month: month, day: day).days
        case .julianNoLeap(let n):
            let jan1 = CivilDate(year: year, month: 1, day: 1).days
            days = jan1 + n - 1 + (CivilDate.isLeap(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            days = CivilDate(year: year, month: 1, day: 1).days + n
        }
        return Int64(days) * 86_400
    }

    /// Parses the rule; nil when it is malformed (the caller then treats the file as unusable).
    static func parse(_ text: String) -> PosixZoneRule? {
        var scanner = Array(text.utf8)[...]
        func name() -> Bool {
            if scanner.first == UInt8(ascii: "<") {
                guard let close = scanner.firstIndex(of: UInt8(ascii: ">")) else { return false }
                scanner = scanner[scanner.index(after: close)...]
                return true
            }
            let letters = scanner.prefix { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
            guard letters.count >= 3 else { return false }
            scanner = scanner.dropFirst(letters.count)
            return true
        }
        func number() -> Int? {
            let digits = scanner.prefix { $0 >= 48 && $0 <= 57 }
            guard !digits.isEmpty else { return nil }
            scanner = scanner.dropFirst(digits.count)
            return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        /// [+-]hh[:mm[:ss]] in seconds.
        func time() -> Int32? {
            var sign: Int32 = 1
            if scanner.first == UInt8(ascii: "-") { sign = -1; scanner = scanner.dropFirst() } else if scanner.first == UInt8(ascii: "+") { scanner = scanner.dropFirst() }
            guard let hours = number() else { return nil }
            var seconds = hours * 3600
            if scanner.first == UInt8(ascii: ":") { scanner = scanner.dropFirst(); guard let m = number() else { return nil }; seconds += m * 60 }
            if scanner.first == UInt8(ascii: ":") { scanner = scanner.dropFirst(); guard let s = number() else { return nil }; seconds += s }
            return sign * Int32(seconds)
        }
        func dateRule() -> (DateRule, Int32)? {
            let rule: DateRule
            if scanner.first == UInt8(ascii: "M") {
                scanner = scanner.dropFirst()
                guard let m = number(), scanner.popFirst() == UInt8(ascii: "."), let w = number(),
                      scanner.popFirst() == UInt8(ascii: "."), let d = number(), (1...12).contains(m), (1...5).contains(w), (0...6).contains(d) else { return nil }
                rule = .monthWeekDay(month: m, week: w, weekday: d)
            } else if scanner.first == UInt8(ascii: "J") {
                scanner = scanner.dropFirst()
                guard let n = number(), (1...365).contains(n) else { return nil }
                rule = .julianNoLeap(n)
            } else {
                guard let n = number(), (0...365).contains(n) else { return nil }
                rule = .zeroBased(n)
            }
            var at: Int32 = 7200
            if scanner.first == UInt8(ascii: "/") { scanner = scanner.dropFirst(); guard let t = time() else { return nil }; at = t }
            return (rule, at)
        }

        guard name(), let std = time() else { return nil }
        if scanner.isEmpty { return PosixZoneRule(standardOffset: -std, daylightOffset: nil, start: nil, end: nil) }
        guard name() else { return nil }
        var dst = -std + 3600
        if let first = scanner.first, first != UInt8(ascii: ",") { guard let t = time() else { return nil }; dst = -t }
        guard scanner.popFirst() == UInt8(ascii: ","), let start = dateRule(), scanner.popFirst() == UInt8(ascii: ","),
              let end = dateRule(), scanner.isEmpty else { return nil }
        return PosixZoneRule(standardOffset: -std, daylightOffset: dst, start: start, end: end)
    }
}

/// RFC 8536 TZif, version 2 or later (64-bit section and footer); version 1 files are read from their 32-bit part.
enum TZifParser {
    static func parse(_ bytes: [UInt8], identifier: String) -> ZoneRules? {
        var cursor = 0
        func be(_ count: Int) -> Int64? {
            guard cursor + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for i in 0..<count { value = value << 8 | Int64(bytes[cursor + i]) }
            cursor += count
            // Sign-extend.
            let bits = count * 8
            if bits < 64, value & (1 << (bits - 1)) != 0 { value -= 1 << bits }
            return value
        }
        struct Header { let version: UInt8; let isut, isstd, leap, time, type, char: Int }
        func header() -> Header? {
            guard cursor + 44 <= bytes.count, bytes[cursor..<cursor + 4].elementsEqual("TZif".utf8) else { return nil }
            let version = bytes[cursor + 4]
            cursor += 20
            var counts: [Int] = []
            for _ in 0..<6 { guard let n = be(4), n >= 0 else { return nil }; counts.append(Int(n)) }
            return Header(version: version, isut: counts[0], isstd: counts[1], leap: counts[2], time: counts[3], type: counts[4], char: counts[5])
        }
        guard var h = header() else { return nil }
        var timeSize = 4
        if h.version >= UInt8(ascii: "2") {
            cursor += h.time * 4 + h.time + h.type * 6 + h.char + h.leap * 8 + h.isstd + h.isut
            guard let second = header() else { return nil }
            h = second
            timeSize = 8
        }
        var transitions: [Int64] = []
        for _ in 0..<h.time { guard let t = be(timeSize) else { return nil }; transitions.append(t) }
        var indices: [Int] = []
        for _ in 0..<h.time { guard let i = be(1) else { return nil }; indices.append(Int(UInt8(truncatingIfNeeded: i))) }
        var types: [(offset: Int32, isDST: Bool)] = []
        for _ in 0..<h.type {
            guard let offset = be(4), let dst = be(1), be(1) != nil else { return nil }
            types.append((Int32(offset), dst != 0))
        }
        guard !types.isEmpty, indices.allSatisfy({ $0 < types.count }) else { return nil }
        cursor += h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        var rule: PosixZoneRule?
        if timeSize == 8, cursor < bytes.count, bytes[cursor] == 0x0A,
           let close = bytes[(cursor + 1)...].firstIndex(of: 0x0A), close > cursor + 1 {
            rule = PosixZoneRule.parse(String(decoding: bytes[(cursor + 1)..<close], as: UTF8.self))
        }
        // Before the first transition: the first standard-time type (RFC 8536 §3.2 suggests type 0).
        let initial = types.first { !$0.isDST }?.offset ?? types[0].offset
        return ZoneRules(identifier: identifier, transitions: transitions, offsets: indices.map { types[$0].offset },
                         initialOffset: initial, rule: rule)
    }
}
