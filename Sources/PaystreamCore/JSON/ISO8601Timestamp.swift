import Foundation

/// UTC timestamps in ISO-8601 with millisecond precision, e.g. `2024-05-01T12:00:00.250Z`, computed with
/// integer calendar arithmetic (no formatter, locale or time zone database).
///
/// Guarantees: `format` always writes `YYYY-MM-DDTHH:MM:SS.mmmZ` for years 0001...9999;
/// `parse(format(d)) == roundedToMilliseconds(d)`; `parse` accepts `YYYY-MM-DDTHH:MM:SS`, an optional
/// fraction of 1...9 digits (truncated to milliseconds) and `Z` or a `±HH:MM` offset, and refuses anything
/// else, including impossible dates such as February 30.
enum ISO8601Timestamp {
    /// `instant` rounded to the nearest whole millisecond since 1970, as `parse(format(instant))` returns it.
    static func roundedToMilliseconds(_ instant: Date) -> Date {
        Self.date(fromMilliseconds: milliseconds(of: instant))
    }

    static func milliseconds(of date: Date) -> Int64 {
        let scaled = (date.timeIntervalSince1970 * 1000).rounded(.toNearestOrAwayFromZero)
        guard !scaled.isNaN else { return .min }  // outside every accepted range
        // Beyond ±2^53 ms (±285,000 years) a Double no longer holds whole milliseconds; clamp.
        let limit = 9_007_199_254_740_992.0
        return Int64(max(-limit, min(limit, scaled)))
    }

    static func date(fromMilliseconds milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``daysFromCivil(year:month:day:)``.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        }
    }

    private static func padded(_ value: Int64, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The earliest and latest instants `format` can write (0001-01-01 and 9999-12-31T23:59:59.999Z).
    static let representableMilliseconds: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    static func format(_ instant: Date) -> String {
        let totalMs = milliseconds(of: instant)
        var days = totalMs / 86_400_000
        var msOfDay = totalMs % 86_400_000
        if msOfDay < 0 {
            msOfDay += 86_400_000
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let millisecond = msOfDay % 1000
        return "\(padded(year, width: 4))-\(padded(month, width: 2))-\(padded(day, width: 2))T"
            + "\(padded(hour, width: 2)):\(padded(minute, width: 2)):\(padded(second, width: 2))."
            + "\(padded(millisecond, width: 3))Z"
    }

    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var value: Int64 = 0
            for k in i..<(i + count) {
                guard b[k] >= UInt8(ascii: "0") && b[k] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(b[k] - UInt8(ascii: "0"))
            }
            i += count
            return value
        }
        func literal(_ char: Character) -> Bool {
            guard i < b.count, b[i] == char.asciiValue else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), literal("-"), let month = digits(2), literal("-"), let day = digits(2),
            literal("T"), let hour = digits(2), literal(":"), let minute = digits(2), literal(":"),
            let second = digits(2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var millisecond: Int64 = 0
        if literal(".") {
            let start = i
            while i < b.count, b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") {
                if i - start < 3 { millisecond = millisecond * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                i += 1
            }
            let count = i - start
            guard (1...9).contains(count) else { return nil }
            if count < 3 {
                for _ in count..<3 { millisecond *= 10 }
            }
        }
        var offsetMinutes: Int64 = 0
        if literal("Z") {
            offsetMinutes = 0
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let offsetHour = digits(2), literal(":"), let offsetMinute = digits(2), offsetHour <= 23,
                offsetMinute <= 59
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let localMs = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
        return Self.date(fromMilliseconds: localMs - offsetMinutes * 60_000)
    }
}
