import Foundation

/// The MS-DOS date and time a zip entry carries: local wall time (unzip reads it as such) in 2-second steps, from
/// 1980 to 2107; a time outside that range is clamped to its ends.
struct DOSDateTime: Equatable {
    let time: UInt16
    let date: UInt16

    init(time: UInt16, date: UInt16) {
        self.time = time
        self.date = date
    }

    init(unixSeconds: Int) {
        var seconds = time_t(unixSeconds)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else {
            self.init(time: 0, date: 1 << 5 | 1)
            return
        }
        let year = Int(parts.tm_year) + 1900
        if year < 1980 {
            self.init(time: 0, date: 1 << 5 | 1)
        } else if year > 2107 {
            self.init(time: 23 << 11 | 59 << 5 | 29, date: 127 << 9 | 12 << 5 | 31)
        } else {
            self.init(time: UInt16(parts.tm_hour) << 11 | UInt16(parts.tm_min) << 5 | UInt16(parts.tm_sec / 2),
                      date: UInt16(year - 1980) << 9 | UInt16(parts.tm_mon + 1) << 5 | UInt16(parts.tm_mday))
        }
    }
}
