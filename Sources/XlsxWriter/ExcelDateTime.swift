/// A wall-clock date and time as Excel stores it: no zone, years 1900 to 9999 (Excel's range; libxlsxwriter turns
/// it into a serial day number, Excel's 1900 leap-year bug included).
public struct ExcelDateTime: Sendable, Equatable {
    public let year, month, day, hour, minute: Int
    /// Seconds with their fraction (PostgreSQL sends microseconds).
    public let second: Double

    public static let years = 1900...9999

    /// Nil outside Excel's range or for a field out of its range (such as hour 24).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0) {
        guard Self.years.contains(year), (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), second >= 0, second < 60 else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }
}
