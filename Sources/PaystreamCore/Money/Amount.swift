/// A non-negative amount of money in fen (1/100 CNY), held exactly as an `Int64`.
///
/// Guarantees (money.md rule 1):
/// - `fen >= 0` for every value that exists; no initializer, parser or decoder can make a negative one.
/// - No floating-point value is ever involved: yuan strings are parsed digit by digit with checked arithmetic,
///   and anything outside `^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$` or beyond `Int64.max` fen is rejected.
/// - Arithmetic (`adding`, `subtracting`) is checked: it throws instead of wrapping or going below zero.
/// - JSON form: a bare integer number of fen (see `Amount+Codable.swift` for how float tokens are refused).
public struct Amount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in fen; always `>= 0`.
    public let fen: Int64

    /// Zero fen.
    public static let zero = Amount(uncheckedFen: 0)

    /// An amount of `fen`; throws `amount.negative` when `fen < 0`.
    public init(fen: Int64) throws(MoneyError) {
        guard fen >= 0 else { throw .negative("amount \(fen) fen is negative") }
        self.fen = fen
    }

    /// For values already proven non-negative in this module.
    init(uncheckedFen fen: Int64) {
        precondition(fen >= 0, "Amount must be non-negative")
        self.fen = fen
    }

    public var isZero: Bool { fen == 0 }

    /// Parses a yuan string such as `"12.34"`, `"0.01"`, `"5"` or `"5.5"` (550 fen) exactly.
    ///
    /// Accepts exactly `^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$` (ASCII digits only). Rejects, with
    /// `amount.malformed`: `""`, `" 1"`, `"01"`, `"1."`, `".5"`, `"+1"`, `"-1"`, `"1e3"`, `"12.345"`.
    /// Rejects with `amount.overflow` a value above `Int64.max` fen (92233720368547758.07 yuan).
    public static func parseYuan(_ text: String) throws(MoneyError) -> Amount {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .malformed("empty amount") }
        let zero = UInt8(ascii: "0")
        let nine = UInt8(ascii: "9")
        let dot = UInt8(ascii: ".")
        var index = 0
        var yuan: Int64 = 0
        // Integer part: "0" alone, or a non-zero digit followed by digits.
        let first = bytes[0]
        guard first >= zero && first <= nine else { throw .malformed("\"\(text)\" does not start with a digit") }
        if first == zero {
            index = 1
            if index < bytes.count, bytes[index] >= zero && bytes[index] <= nine {
                throw .malformed("\"\(text)\" has a leading zero")
            }
        } else {
            while index < bytes.count, bytes[index] >= zero && bytes[index] <= nine {
                let (times10, o1) = yuan.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(Int64(bytes[index] - zero))
                guard !o1 && !o2 else { throw .overflow("\"\(text)\" is too large") }
                yuan = next
                index += 1
            }
        }
        // Optional fraction: a dot followed by one or two digits.
        var cents: Int64 = 0
        if index < bytes.count {
            guard bytes[index] == dot else { throw .malformed("\"\(text)\" has an unexpected character") }
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] >= zero && bytes[index] <= nine, index - fractionStart < 2 {
                cents = cents * 10 + Int64(bytes[index] - zero)
                index += 1
            }
            let fractionDigits = index - fractionStart
            guard fractionDigits > 0 else { throw .malformed("\"\(text)\" has no digits after the dot") }
            guard index == bytes.count else {
                throw .malformed("\"\(text)\" has more than two decimals or trailing characters")
            }
            if fractionDigits == 1 { cents *= 10 }
        }
        let (yuanInFen, o1) = yuan.multipliedReportingOverflow(by: 100)
        let (total, o2) = yuanInFen.addingReportingOverflow(cents)
        guard !o1 && !o2 else { throw .overflow("\"\(text)\" is too large") }
        return Amount(uncheckedFen: total)
    }

    /// The amount in yuan with exactly two decimals: `"12.30"`, `"0.05"`, `"0.00"`.
    public var yuanString: String {
        let cents = fen % 100
        return "\(fen / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)")
    }

    public var description: String { yuanString }

    /// `self + other`; throws `amount.overflow` beyond `Int64.max` fen.
    public func adding(_ other: Amount) throws(MoneyError) -> Amount {
        Amount(uncheckedFen: try CheckedMath.add(fen, other.fen))
    }

    /// `self - other`; throws `amount.negative` when `other > self`.
    public func subtracting(_ other: Amount) throws(MoneyError) -> Amount {
        guard other.fen <= fen else { throw .negative("\(yuanString) - \(other.yuanString) is negative") }
        return Amount(uncheckedFen: fen - other.fen)
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.fen < rhs.fen }
}
