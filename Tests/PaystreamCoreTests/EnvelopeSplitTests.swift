import Testing
@testable import PaystreamCore

@Suite("Envelope split")
struct EnvelopeSplitTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: EnvelopeSplit.Mode.allCases)
    func sharesAreAtLeastOneFenAndSumExactly(mode: EnvelopeSplit.Mode) throws {
        var random = SplitMix(state: 42)
        for _ in 0..<3_000 {
            let shares = Int.random(in: 1...EnvelopeSplit.maxShares, using: &random)
            let total = Int64(shares) + Int64.random(in: 0...20_000_000, using: &random) >> Int64.random(in: 0...24, using: &random)
            let split = try EnvelopeSplit.split(total: Fixture.fen(total), shares: shares, mode: mode, using: &random)
            #expect(split.count == shares)
            #expect(split.allSatisfy { $0.fen >= 1 })
            #expect(split.reduce(0) { $0 + $1.fen } == total, "total \(total), \(shares) shares")
            if mode == .equal {
                let values = split.map(\.fen)
                #expect(values.max()! - values.min()! <= 1)
                #expect(values == values.sorted(by: >), "the remainder goes to the first shares")
            }
        }
    }

    @Test func randomSharesStayWithinTwiceTheRemainingAverage() throws {
        var random = SplitMix(state: 7)
        for _ in 0..<2_000 {
            let shares = Int.random(in: 2...200, using: &random)
            let total = Int64.random(in: Int64(shares)...1_000_000, using: &random)
            let split = try EnvelopeSplit.split(total: Fixture.fen(total), shares: shares, mode: .random, using: &random)
            var remaining = total
            for (index, share) in split.dropLast().enumerated() {
                let left = Int64(shares - index)
                #expect(share.fen * left <= 2 * remaining, "share \(share.fen) of \(remaining) over \(left)")
                #expect(remaining - share.fen >= left - 1, "leaves at least 1 fen for each later share")
                remaining -= share.fen
            }
        }
    }

    @Test func edgeCases() throws {
        var random = SplitMix(state: 1)
        #expect(try EnvelopeSplit.split(total: Fixture.fen(5), shares: 5, mode: .random, using: &random).map(\.fen) == [1, 1, 1, 1, 1])
        #expect(try EnvelopeSplit.split(total: Fixture.fen(1000), shares: 1, mode: .random, using: &random).map(\.fen) == [1000])
        #expect(try EnvelopeSplit.split(total: Fixture.fen(10), shares: 3, mode: .equal, using: &random).map(\.fen) == [4, 3, 3])
        #expect(throws: EnvelopeSplit.Invalid.self) { try EnvelopeSplit.split(total: Fixture.fen(4), shares: 5, mode: .equal, using: &random) }
        #expect(throws: EnvelopeSplit.Invalid.self) { try EnvelopeSplit.split(total: Fixture.fen(4000), shares: 0, mode: .random, using: &random) }
        #expect(throws: EnvelopeSplit.Invalid.self) { try EnvelopeSplit.split(total: Fixture.fen(4000), shares: 1001, mode: .random, using: &random) }
    }

    @Test func randomSplitsVary() throws {
        var random = SplitMix(state: 99)
        let splits = try (0..<20).map { _ in try EnvelopeSplit.split(total: Fixture.fen(10_000), shares: 10, mode: .random, using: &random).map(\.fen) }
        #expect(Set(splits).count > 15)
    }

    @Test func theRemainingSharesAreTheSplitLessWhatWasTaken() {
        #expect(EnvelopeSplit.remaining(of: [5, 3, 5, 2], taking: []) == [5, 3, 5, 2])
        #expect(EnvelopeSplit.remaining(of: [5, 3, 5, 2], taking: [5]) == [3, 5, 2], "the first occurrence goes")
        #expect(EnvelopeSplit.remaining(of: [5, 3, 5, 2], taking: [2, 5, 5]) == [3])
        #expect(EnvelopeSplit.remaining(of: [5, 3, 5, 2], taking: [5, 5, 5]) == nil, "more fives than the split has")
        #expect(EnvelopeSplit.remaining(of: [5, 3], taking: [4]) == nil)
        #expect(EnvelopeSplit.remaining(of: [1], taking: [1]) == [])
    }

    @Test func anyTakenSubsetLeavesTheRestOfTheTotal() throws {
        var random = SplitMix(state: 7)
        for _ in 0..<500 {
            let shares = Int.random(in: 1...200, using: &random)
            let total = Int64(shares) + Int64.random(in: 0...100_000, using: &random)
            let split = try EnvelopeSplit.split(total: Fixture.fen(total), shares: shares, mode: .random, using: &random).map(\.fen)
            let taken = split.shuffled(using: &random).prefix(Int.random(in: 0...shares, using: &random))
            let left = try #require(EnvelopeSplit.remaining(of: split, taking: Array(taken)))
            #expect(left.count == shares - taken.count)
            #expect(left.reduce(0, +) + taken.reduce(0, +) == total)
            #expect(left.sorted() + [] == split.sorted().removingOnce(taken.sorted()))
        }
    }
}

private extension Array where Element == Int64 {
    /// Both sorted: self without one occurrence of each of `other`.
    func removingOnce(_ other: [Int64]) -> [Int64] {
        var result: [Int64] = [], j = 0
        for value in self {
            if j < other.count && other[j] == value { j += 1 } else { result.append(value) }
        }
        return result
    }
}
