import Foundation

/// Wall-clock dates in China Standard Time (UTC+08:00), the zone of every time the channels print and of the
/// sandbox's bill days.
///
/// Guarantees: pure integer arithmetic on the proleptic Gregorian calendar with a fixed +08:00 offset (China has
/// had no daylight saving time since 1991), so results never depend on the host's time zone or tz database.
enum ShanghaiTime {
    static let offsetSeconds: Int64 = 8 * 3600

    struct Civil: Equatable {
        var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    }

    static func civil(_ date: Date) -> Civil {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let days = floorDivide(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilFromDays(days)
        return Civil(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60)
    }

    /// `2024-05-01T13:45:00+08:00` (RFC 3339, as WeChat Pay prints success_time and create_time).
    static func rfc3339(_ date: Date) -> String {
        let c = civil(date)
        return "\(day(c))T\(clock(c))+08:00"
    }

    /// `2024-05-01 13:45:00` (bills, Alipay timestamps).
    static func dateTime(_ date: Date) -> String {
        let c = civil(date)
        return "\(day(c)) \(clock(c))"
    }

    /// `2024-05-01`, the bill day a moment belongs to.
    static func day(_ date: Date) -> String { day(civil(date)) }

    /// `2024年05月01日 13:45:00` (Alipay bill header and footer).
    static func chineseDateTime(_ date: Date) -> String {
        let c = civil(date)
        return "\(c.year)年\(pad(c.month))月\(pad(c.day))日 \(clock(c))"
    }

    /// `20240501`.
    static func compactDay(_ date: Date) -> String {
        let c = civil(date)
        return "\(c.year)\(pad(c.month))\(pad(c.day))"
    }

    /// The instant a `yyyy-MM-dd` day starts in Shanghai, or nil if the text is not a valid date.
    static func startOfDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        guard civilFromDays(days) == (year, month, day) else { return nil }  // 2024-02-30 and the like
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 - offsetSeconds))
    }

    /// The `yyyy-MM-dd` day after `text`, or nil if `text` is not a valid date.
    static func nextDay(_ text: String) -> String? {
        startOfDay(text).map { day($0.addingTimeInterval(86_400)) }
    }

    private static func day(_ c: Civil) -> String { "\(c.year)-\(pad(c.month))-\(pad(c.day))" }
    private static func clock(_ c: Civil) -> String { "\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))" }
    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    // Howard Hinnant's days-from-civil algorithms (public domain), days counted from 1970-01-01.
    private static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
