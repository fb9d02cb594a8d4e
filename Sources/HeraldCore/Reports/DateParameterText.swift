/// Absolute dates and timestamps as people and the API write them (ISO 8601's common forms), read without
/// Foundation's formatters so the zone rules are the schedule engine's own.
enum DateParameterText {
    /// `YYYY-MM-DD`, a real calendar day in years 1…9999.
    static func date(_ text: some StringProtocol) -> CivilDate? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D, let year = number(b[0..<4]), let month = number(b[5..<7]),
              let day = number(b[8..<10]), year >= 1, (1...12).contains(month), day >= 1,
              day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` (a space for `T` also), optionally ending in `Z` or `±HH[:MM]`; a time
    /// without an offset is the wall time in `zone` (the earlier one when the hour repeats), a date its first instant.
    static func timestamp(_ text: String, in time: LogicalTime) -> Int64? {
        if let day = date(text) { return time.startOfDay(day) }
        let b = Array(text.utf8)
        guard b.count >= 16, let day = date(String(decoding: b[0..<10], as: UTF8.self)), b[10] == 0x54 || b[10] == 0x20,
              b[13] == 0x3A, let hour = number(b[11..<13]), let minute = number(b[14..<16]), hour < 24, minute < 60 else { return nil }
        var cursor = 16, second = 0
        if cursor < b.count, b[cursor] == 0x3A {
            guard b.count >= 19, let s = number(b[17..<19]), s < 60 else { return nil }
            second = s
            cursor = 19
        }
        let wall = WallTime.midnight(of: day).seconds + Int64(hour * 3600 + minute * 60 + second)
        let zoneText = b[cursor...]
        if zoneText.isEmpty { return time.zone.instant(forWall: wall, fold: 0) }
        if zoneText.elementsEqual([0x5A]) || zoneText.elementsEqual([0x7A]) { return wall }
        guard let sign = zoneText.first, sign == 0x2B || sign == 0x2D else { return nil }
        let rest = Array(zoneText.dropFirst())
        let minuteDigits: ArraySlice<UInt8>
        switch rest.count {
        case 2: minuteDigits = [0x30, 0x30]
        case 4: minuteDigits = rest[2..<4]
        case 5 where rest[2] == 0x3A: minuteDigits = rest[3..<5]
        default: return nil
        }
        guard let hours = number(rest[0..<2]), let minutes = number(minuteDigits), hours < 24, minutes < 60 else { return nil }
        let offset = Int64(hours * 3600 + minutes * 60)
        return sign == 0x2B ? wall - offset : wall + offset
    }

    static func number(_ bytes: some Collection<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return bytes.isEmpty ? nil : value
    }
}
