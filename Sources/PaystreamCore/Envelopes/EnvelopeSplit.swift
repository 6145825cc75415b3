/// How a red envelope's total is divided into shares.
///
/// Guarantees, for every split returned: exactly `shares` amounts, each at least 1 fen, summing exactly to the
/// total. Random mode is the double-average method: each share but the last is drawn uniformly from
/// [1 fen, min(2 × remaining average, remaining − 1 fen for each later share)], and the last takes what is
/// left; equal mode gives `total / shares` to each and spreads the remainder one fen at a time over the first
/// shares. Pure: the randomness comes from the caller's generator.
public enum EnvelopeSplit {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case random
        case equal
    }

    /// At most this many shares in one envelope.
    public static let maxShares = 1_000

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { "\(code): \(message)" }
    }

    /// Checks that `total` can be split into `shares` shares of at least 1 fen.
    public static func validate(total: Amount, shares: Int) throws(Invalid) {
        guard (1...maxShares).contains(shares) else {
            throw Invalid(code: "envelope.invalid_shares", message: "shares must be 1...\(maxShares)")
        }
        guard total.fen >= Int64(shares) else {
            throw Invalid(code: "envelope.total_too_small", message: "\(total.fen) fen cannot give \(shares) shares of at least 1 fen")
        }
    }

    public static func split(
        total: Amount, shares: Int, mode: Mode, using generator: inout some RandomNumberGenerator
    ) throws(Invalid) -> [Amount] {
        try validate(total: total, shares: shares)
        var fen: [Int64] = []
        fen.reserveCapacity(shares)
        switch mode {
        case .equal:
            let base = total.fen / Int64(shares)
            let remainder = Int(total.fen % Int64(shares))
            for index in 0..<shares { fen.append(base + (index < remainder ? 1 : 0)) }
        case .random:
            var remaining = total.fen
            for index in 0..<(shares - 1) {
                let left = Int64(shares - index)  // shares still to draw, this one included
                let upper = min(remaining / left * 2 + (remaining % left) * 2 / left, remaining - (left - 1))
                let share = Int64.random(in: 1...max(1, upper), using: &generator)
                fen.append(share)
                remaining -= share
            }
            fen.append(remaining)
        }
        // Every value is in 1...total by construction.
        return fen.map { try! Amount(fen: $0) }
    }

    /// The shares of `split` that remain once the `taken` amounts are removed, one occurrence each, in the split's
    /// order; nil when some taken amount is not among the shares left (the grabs do not belong to this split).
    /// Reloading an envelope Redis lost uses it: the split minus the grabs the ledger committed.
    public static func remaining(of split: [Int64], taking taken: [Int64]) -> [Int64]? {
        // Each amount's positions in the split, the first last, so popLast takes the first occurrence.
        var positions: [Int64: [Int]] = [:]
        for (index, fen) in split.enumerated().reversed() { positions[fen, default: []].append(index) }
        var removed = [Bool](repeating: false, count: split.count)
        for fen in taken {
            guard let index = positions[fen]?.popLast() else { return nil }
            removed[index] = true
        }
        return zip(split, removed).compactMap { fen, gone in gone ? nil : fen }
    }
}
