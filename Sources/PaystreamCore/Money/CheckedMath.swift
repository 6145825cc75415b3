/// Signed `Int64` arithmetic on fen that reports overflow instead of trapping or wrapping.
///
/// Guarantees: every function either returns the exact mathematical result or throws `amount.overflow`;
/// no result is ever wrapped or truncated (money.md rule 1).
public enum CheckedMath {
    /// The exact sum of `values`, or `amount.overflow` when any partial sum leaves `Int64`.
    ///
    /// A sequence whose true total fits but whose running sum would not (for example `[Int64.max, 1, -1]`)
    /// is reported as an overflow: callers sum postings, where such magnitudes are never legitimate.
    public static func sum(_ values: [Int64]) throws(MoneyError) -> Int64 {
        var total: Int64 = 0
        for value in values {
            total = try add(total, value)
        }
        return total
    }

    /// `a + b`, or `amount.overflow`.
    public static func add(_ a: Int64, _ b: Int64) throws(MoneyError) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw .overflow("\(a) + \(b) does not fit in Int64") }
        return result
    }

    /// `a - b`, or `amount.overflow`.
    public static func subtract(_ a: Int64, _ b: Int64) throws(MoneyError) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw .overflow("\(a) - \(b) does not fit in Int64") }
        return result
    }
}
