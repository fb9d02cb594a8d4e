/// `YYYY-MM-DDTHH:MM:SSZ`, the one instant format the CLI prints, without Foundation's formatters (they cost more
/// than computing a next run).
public enum UTCInstant {
    public static func format(_ instant: Int64) -> String {
        format(instant, separator: 0x54, seconds: true, suffix: "Z")
    }

    /// `YYYY-MM-DD<separator>HH:MM[:SS]<suffix>`, written into one buffer: pages and responses format every
    /// instant they show this way (interpolating each part was most of `TimeView`'s time, measured).
    public static func format(_ instant: Int64, separator: UInt8, seconds: Bool, suffix: String) -> String {
        let wall = WallTime(seconds: instant)
        let date = wall.date
        guard (0...9999).contains(date.year) else { return slowFormat(instant) }
        return String(unsafeUninitializedCapacity: 19 + suffix.utf8.count) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(48 + value % 10)
                    value /= 10
                }
            }
            put(date.year, 4, at: 0); buffer[4] = 0x2D; put(date.month, 2, at: 5); buffer[7] = 0x2D; put(date.day, 2, at: 8)
            buffer[10] = separator; put(wall.hour, 2, at: 11); buffer[13] = 0x3A; put(wall.minute, 2, at: 14)
            var count = 16
            if seconds { buffer[16] = 0x3A; put(wall.second, 2, at: 17); count = 19 }
            for byte in suffix.utf8 { buffer[count] = byte; count += 1 }
            return count
        }
    }

    static func slowFormat(_ instant: Int64) -> String {
        let wall = WallTime(seconds: instant)
        let date = wall.date
        let year = date.year < 1000 ? String(repeating: "0", count: 4 - String(date.year).count) + "\(date.year)" : "\(date.year)"
        return "\(year)-\(two(date.month))-\(two(date.day))T\(two(wall.hour)):\(two(wall.minute)):\(two(wall.second))Z"
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ`; anything else is nil (callers may fall back to a full ISO-8601 parser).
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range { guard b[i] >= 48, b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10), let h = number(11..<13),
              let mi = number(14..<16), let s = number(17..<19), (1...12).contains(mo), d >= 1,
              d <= CivilDate.daysIn(month: mo, year: y), h < 24, mi < 60, s < 60 else { return nil }
        return Int64(CivilDate(year: y, month: mo, day: d).days) * 86_400 + Int64(h * 3600 + mi * 60 + s)
    }
}
