import Foundation

/// The date formats the channels use, computed by hand so that no locale, calendar setting or formatter cache
/// can change them.
///
/// Guarantees: China Standard Time is UTC+8 with no daylight saving since 1991, so "Asia/Shanghai" wall time is
/// always UTC+08:00 for any date a payment can have; formatting and parsing are exact inverses to the second;
/// parsers refuse anything not matching the format digit for digit (and impossible dates such as 02-30).
public enum ChannelTime {
    static let shanghaiOffsetSeconds: Int64 = 8 * 3600

    /// `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (Alipay timestamp, gmt_payment, Bill99 dealTime).
    public static func shanghaiDateTime(_ date: Date) -> String {
        let c = civil(seconds: Int64(date.timeIntervalSince1970.rounded(.down)) + shanghaiOffsetSeconds)
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))"
    }

    /// `yyyy-MM-dd` in Asia/Shanghai.
    public static func shanghaiDay(_ date: Date) -> String {
        String(shanghaiDateTime(date).prefix(10))
    }

    /// `yyyy-MM-ddTHH:mm:ss+08:00` (WeChat Pay time_expire).
    public static func rfc3339Shanghai(_ date: Date) -> String {
        shanghaiDateTime(date).replacingOccurrences(of: " ", with: "T") + "+08:00"
    }

    /// Parses `yyyy-MM-dd HH:mm:ss` as Asia/Shanghai wall time. A fraction of a second (`.320`, as Alipay's
    /// gmt_refund carries) is accepted and dropped.
    public static func parseShanghaiDateTime(_ text: String) -> Date? {
        var b = Array(text.utf8)
        if b.count > 20, b[19] == 0x2E, b[20...].allSatisfy({ (0x30...0x39).contains($0) }) { b = Array(b[0..<19]) }
        guard b.count == 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A else { return nil }
        guard let seconds = epochSeconds(b, offsetSeconds: shanghaiOffsetSeconds) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Parses RFC 3339 `yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:MM)` (WeChat Pay success_time, create_time). The
    /// fraction, if any, is dropped (the channels give whole seconds).
    public static func parseRFC3339(_ text: String) -> Date? {
        var b = Array(text.utf8)
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3A, b[16] == 0x3A
        else { return nil }
        var index = 19
        if b[index] == 0x2E {
            index += 1
            let start = index
            while index < b.count, (0x30...0x39).contains(b[index]) { index += 1 }
            guard index > start else { return nil }
        }
        let offset: Int64
        let zone = Array(b[index...])
        if zone == [0x5A] || zone == [0x7A] {
            offset = 0
        } else {
            guard zone.count == 6, zone[0] == 0x2B || zone[0] == 0x2D, zone[3] == 0x3A,
                let hours = digits(zone, 1, 2), let minutes = digits(zone, 4, 2), hours < 24, minutes < 60
            else { return nil }
            offset = (zone[0] == 0x2D ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        b[10] = 0x20
        guard let seconds = epochSeconds(Array(b[0..<19]), offsetSeconds: offset) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    // MARK: Civil calendar (proleptic Gregorian, H. Hinnant's algorithms)

    struct Civil {
        var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    }

    static func civil(seconds: Int64) -> Civil {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return Civil(year: year, month: month, day: day, hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60)
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `yyyy-MM-dd HH:mm:ss` bytes (separators already checked) at `offsetSeconds` from UTC.
    private static func epochSeconds(_ b: [UInt8], offsetSeconds: Int64) -> Int64? {
        guard let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
            let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
            (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month), hour < 24, minute < 60,
            second < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func digits(_ b: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= b.count else { return nil }
        var value: Int64 = 0
        for byte in b[start..<(start + count)] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }

    private static func pad(_ value: Int64, _ width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
