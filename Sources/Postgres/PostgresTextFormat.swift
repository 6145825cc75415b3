import Foundation

/// PostgreSQL's text formats for the types this client binds and decodes: bytea hex, ISO timestamps in UTC,
/// one-dimensional array literals. Pure functions; the connection sets DateStyle=ISO, TimeZone=UTC and
/// bytea_output=hex so that output is in exactly these formats.
enum PostgresTextFormat {
    // MARK: bytea

    static func byteaHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 + bytes.count * 2)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func parseByteaHex(_ text: String) throws(PostgresDecodingFailure) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresDecodingFailure("not a bytea value in hex format")
        }
        func nibble(_ c: UInt8) throws(PostgresDecodingFailure) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: throw PostgresDecodingFailure("invalid hex digit in bytea value")
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            bytes.append(try nibble(utf8[index]) << 4 | nibble(utf8[index + 1]))
            index += 2
        }
        return bytes
    }

    // MARK: timestamps

    private static let microsecondsPerSecond: Int64 = 1_000_000
    private static let secondsPerDay: Int64 = 86_400

    /// "YYYY-MM-DD HH:MM:SS.ffffff+00", with " BC" for years before 1; infinite or out-of-range dates become
    /// "infinity" / "-infinity".
    static func timestamp(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard micros.isFinite, abs(micros) < 9.0e18 else { return micros < 0 ? "-infinity" : "infinity" }
        let total = Int64(micros)
        let seconds = floorDivide(total, microsecondsPerSecond)
        let fraction = total - seconds * microsecondsPerSecond
        let days = floorDivide(seconds, secondsPerDay)
        let secondOfDay = seconds - days * secondsPerDay
        let (year, month, day) = civilFromDays(days)
        let displayYear = year > 0 ? year : 1 - year
        var text = pad(displayYear, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += " " + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        text += "." + pad(fraction, 6) + "+00"
        if year <= 0 { text += " BC" }
        return text
    }

    /// Parses ISO output of timestamptz, timestamp (taken as UTC) and date (midnight UTC).
    static func parseTimestamp(_ text: String) throws(PostgresDecodingFailure) -> Date {
        var scanner = Scanner(Array(text.utf8))
        let failure = PostgresDecodingFailure("not an ISO timestamp: \"\(text.prefix(40))\"")
        guard let year = scanner.number(), scanner.skip("-"), let month = scanner.number(digits: 2),
            scanner.skip("-"), let day = scanner.number(digits: 2), (1...12).contains(month), (1...31).contains(day)
        else { throw failure }
        var micros: Int64 = 0
        var offsetSeconds: Int64 = 0
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.number(digits: 2), scanner.skip(":"), let minute = scanner.number(digits: 2),
                scanner.skip(":"), let second = scanner.number(digits: 2)
            else { throw failure }
            micros = ((hour * 60 + minute) * 60 + second) * microsecondsPerSecond
            if scanner.skip(".") {
                var scale: Int64 = 100_000
                guard let first = scanner.digit() else { throw failure }
                micros += first * scale
                while let digit = scanner.digit() {
                    scale /= 10
                    micros += digit * scale  // digits beyond microseconds add zero
                }
            }
            if let sign = scanner.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                _ = scanner.next()
                guard let hours = scanner.number(digits: 2) else { throw failure }
                var offset = hours * 3600
                if scanner.skip(":") {
                    guard let minutes = scanner.number(digits: 2) else { throw failure }
                    offset += minutes * 60
                    if scanner.skip(":") {
                        guard let secs = scanner.number(digits: 2) else { throw failure }
                        offset += secs
                    }
                }
                offsetSeconds = sign == UInt8(ascii: "-") ? -offset : offset
            }
        }
        var astronomicalYear = year
        if scanner.skip(" BC") { astronomicalYear = 1 - year }
        guard scanner.isAtEnd else { throw failure }
        let days = daysFromCivil(year: astronomicalYear, month: month, day: day)
        let totalMicros = (days * secondsPerDay - offsetSeconds) * microsecondsPerSecond + micros
        return Date(timeIntervalSince1970: Double(totalMicros) / 1_000_000)
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian, astronomical years).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // MARK: arrays

    /// A one-dimensional array literal. Every non-NULL element is double-quoted with `\` and `"` escaped, so
    /// commas, braces, spaces, quotes, backslashes and the word NULL inside elements stay data.
    static func arrayLiteral(_ elements: [String?]) -> String {
        // Built as UTF-8 bytes: appending scalar by scalar to a String cost more than the query it fed.
        var capacity = 2
        for element in elements { capacity += (element?.utf8.count ?? 4) + 3 }
        var out = [UInt8]()
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let element else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            // Most elements (ids, keys, JSON without quotes) need no escape: their bytes are copied at once.
            let copied = element.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                for byte in bytes where byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { return false }
                out.append(contentsOf: bytes)
                return true
            }
            if copied != true {
                for byte in element.utf8 {
                    // `\` and `"` are ASCII, so they never occur inside a multi-byte UTF-8 sequence.
                    if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a one-dimensional array literal as PostgreSQL prints it; nil elements are NULLs.
    static func parseArrayLiteral(_ text: String) throws(PostgresDecodingFailure) -> [String?] {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            throw PostgresDecodingFailure("not a one-dimensional array literal with default bounds")
        }
        var elements = [String?]()
        var index = 1
        let end = bytes.count - 1
        if index == end { return [] }
        while true {
            var element = [UInt8]()
            var quoted = false
            if bytes[index] == UInt8(ascii: "{") {
                throw PostgresDecodingFailure("multidimensional arrays are not supported")
            }
            if bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { break }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { throw PostgresDecodingFailure("unterminated quoted array element") }
                index += 1  // closing quote
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { break }
                    element.append(bytes[index])
                    index += 1
                }
            }
            let value = String(decoding: element, as: UTF8.self)
            elements.append(!quoted && value.uppercased() == "NULL" ? nil : value)
            if index == end { return elements }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw PostgresDecodingFailure("malformed array literal")
            }
            index += 1
        }
    }
}

/// A cursor over ASCII bytes for the timestamp parser.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
    mutating func next() -> UInt8? {
        defer { index += 1 }
        return peek()
    }
    mutating func skip(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected
        else { return false }
        index += expected.count
        return true
    }
    mutating func digit() -> Int64? {
        guard let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        index += 1
        return Int64(byte - UInt8(ascii: "0"))
    }
    /// Exactly `digits` digits, or (digits == nil) one to nine digits.
    mutating func number(digits: Int? = nil) -> Int64? {
        var value: Int64 = 0
        var count = 0
        while count < (digits ?? 9), let digit = digit() {
            value = value * 10 + digit
            count += 1
        }
        if let digits { return count == digits ? value : nil }
        return count > 0 ? value : nil
    }
}
