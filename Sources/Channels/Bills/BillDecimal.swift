/// Exact parsing of the decimal numbers in the channels' bills: "0.01", "-0.01", "0.01000", "45.0", "0".
///
/// Guarantees (money.md rule 1): digits are read one by one into an Int64 with checked arithmetic; no floating
/// point is involved; anything else (empty, spaces, "+1", "1.", ".5", "1e3", more decimals than allowed, a value
/// beyond Int64) is refused with ``BillFormatError``.
public enum BillDecimal {
    /// `text` in units of 10^-`scale` yuan: `parse("0.01000", scale: 5) == 1000`; at most `scale` decimals.
    public static func parse(_ text: String, scale: Int) throws(BillFormatError) -> Int64 {
        precondition((0...9).contains(scale), "scale is 0...9")
        var bytes = Array(text.utf8)[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let dot = bytes.firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
        let whole = bytes[..<dot]
        let fraction = dot < bytes.endIndex ? bytes[(dot + 1)...] : []
        guard !whole.isEmpty, dot == bytes.endIndex || !fraction.isEmpty else { throw .init("\"\(text)\" is not a decimal number") }
        guard fraction.count <= scale else { throw .init("\"\(text)\" has more than \(scale) decimals") }
        var value: Int64 = 0
        for byte in whole + fraction + Array(repeating: UInt8(ascii: "0"), count: scale - fraction.count) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw .init("\"\(text)\" is not a decimal number") }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .init("\"\(text)\" is too large") }
            value = next
        }
        return negative ? -value : value
    }

    /// Yuan with at most two decimals as fen: "12.34" → 1234, "-0.01" → -1.
    public static func fen(_ text: String) throws(BillFormatError) -> Int64 { try parse(text, scale: 2) }

    /// A count, possibly printed with a zero fraction as WeChat Pay's summary does ("45.0"): 45.
    public static func count(_ text: String) throws(BillFormatError) -> Int {
        let scaled = try parse(text, scale: 1)
        guard scaled >= 0, scaled % 10 == 0 else { throw .init("\"\(text)\" is not a whole count") }
        return Int(scaled / 10)
    }
}

/// A bill that is not in the channel's documented layout, or whose totals do not agree with its rows.
public struct BillFormatError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
