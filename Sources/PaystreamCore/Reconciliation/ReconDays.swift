import Foundation

/// Calendar days as `yyyy-MM-dd` strings (proleptic Gregorian), and the Asia/Shanghai day of an instant.
///
/// Guarantees: pure arithmetic (no calendar, locale or time zone database); invalid dates give nil.
public enum ReconDays {
    /// The day `by` days after `day`; nil when `day` is not a valid yyyy-MM-dd.
    public static func adjacent(_ day: String, by offset: Int) -> String? {
        let parts = day.split(separator: "-", omittingEmptySubsequences: false)
        guard day.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...daysIn(y, m)).contains(d)
        else { return nil }
        var (year, month, dayOfMonth) = (y, m, d + offset)
        while dayOfMonth < 1 {
            month -= 1
            if month == 0 { (year, month) = (year - 1, 12) }
            dayOfMonth += daysIn(year, month)
        }
        while dayOfMonth > daysIn(year, month) {
            dayOfMonth -= daysIn(year, month)
            month += 1
            if month == 13 { (year, month) = (year + 1, 1) }
        }
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))"
    }

    /// The Asia/Shanghai day of `date` (UTC+8, no daylight saving since 1991).
    public static func shanghai(_ date: Date) -> String {
        let seconds = shanghaiSeconds(date)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        return adjacent("1970-01-01", by: days) ?? "1970-01-01"
    }

    /// "02:00" → 7,200 (seconds after midnight); nil for anything but HH:mm.
    public static func secondsOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard text.count == 5, parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 3600 + m * 60
    }

    /// The day whose bills are due at `now` for a daily job at `dueAfterSeconds` past midnight Asia/Shanghai:
    /// yesterday (Shanghai) once that time has passed today, nil before it.
    public static func due(now: Date, dueAfterSeconds: Int) -> String? {
        let seconds = shanghaiSeconds(now)
        let secondOfDay = Int(((seconds % 86_400) + 86_400) % 86_400)
        guard secondOfDay >= dueAfterSeconds else { return nil }
        return adjacent(shanghai(now), by: -1)
    }

    /// Whether `now` is at least `seconds` past the end of `day` (the midnight, Asia/Shanghai, that ends it);
    /// false for a day that is not yyyy-MM-dd.
    public static func isPast(_ day: String, bySeconds seconds: Int, now: Date) -> Bool {
        guard let next = adjacent(day, by: 1), let days = daysSinceEpoch(next) else { return false }
        return shanghaiSeconds(now) >= Int64(days) * 86_400 + Int64(seconds)
    }

    /// Days from 1970-01-01 to `day` (negative before it); nil when `day` is not yyyy-MM-dd.
    static func daysSinceEpoch(_ day: String) -> Int? {
        guard adjacent(day, by: 0) != nil else { return nil }
        let parts = day.split(separator: "-").compactMap { Int($0) }
        // Days from civil (proleptic Gregorian), with March as the first month of the computing year.
        let (y, m, d) = (parts[1] <= 2 ? parts[0] - 1 : parts[0], parts[1], parts[2])
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func shanghaiSeconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down)) + 8 * 3600
    }

    static func daysIn(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
