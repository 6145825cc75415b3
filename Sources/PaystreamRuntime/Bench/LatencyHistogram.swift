/// A latency histogram in the manner of HdrHistogram: fixed memory, every recorded value kept to three significant
/// decimal digits (relative error at most 1/1024 ≈ 0.1%), from 1 µs to an hour, mergeable, with percentiles read
/// off the buckets.
///
/// Buckets: values below 2,048 µs each have a bucket of their own; above, each power of two [2^k, 2^(k+1)) is cut
/// into 1,024 equal buckets. A percentile is reported as the highest value its bucket holds (as HdrHistogram does),
/// so it never understates a latency. Values above an hour are counted as an hour, and `max` keeps the true one.
struct LatencyHistogram: Sendable, Equatable {
    static let exactBelow: UInt64 = 2_048
    static let subBuckets = 1_024
    static let highestTrackable: UInt64 = 3_600_000_000

    private(set) var counts: [UInt64]
    private(set) var totalCount: UInt64 = 0
    private(set) var maxMicroseconds: UInt64 = 0
    private var sumMicroseconds: Double = 0

    init() {
        counts = Array(repeating: 0, count: Self.index(of: Self.highestTrackable) + 1)
    }

    /// A histogram of `samples`, in milliseconds.
    init(milliseconds samples: some Sequence<Double>) {
        self.init()
        for sample in samples { record(milliseconds: sample) }
    }

    /// Records one duration in milliseconds (negative as zero).
    mutating func record(milliseconds: Double) {
        record(microseconds: UInt64(max(0, (milliseconds * 1000).rounded())))
    }

    mutating func record(microseconds value: UInt64) {
        counts[Self.index(of: min(value, Self.highestTrackable))] += 1
        totalCount += 1
        maxMicroseconds = max(maxMicroseconds, value)
        sumMicroseconds += Double(value)
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        totalCount += other.totalCount
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
        sumMicroseconds += other.sumMicroseconds
    }

    var isEmpty: Bool { totalCount == 0 }
    var meanMilliseconds: Double { isEmpty ? .nan : sumMicroseconds / Double(totalCount) / 1000 }
    var maxMilliseconds: Double { isEmpty ? .nan : Double(maxMicroseconds) / 1000 }

    /// The value at percentile `p` (0–100) in milliseconds: the smallest bucket top below or at which at least p%
    /// of the values lie; NaN when nothing was recorded.
    func value(atPercentile p: Double) -> Double {
        guard totalCount > 0 else { return .nan }
        let rank = max(1, UInt64((min(max(p, 0), 100) / 100 * Double(totalCount)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return Double(min(Self.highestEquivalent(ofIndex: i), maxMicroseconds)) / 1000 }
        }
        return maxMilliseconds
    }

    /// The non-empty buckets as (highest value in ms, count), for a JSON file from which any percentile can be
    /// read again.
    var buckets: [(upToMilliseconds: Double, count: UInt64)] {
        counts.enumerated().filter { $0.element > 0 }.map { (Double(Self.highestEquivalent(ofIndex: $0.offset)) / 1000, $0.element) }
    }

    // MARK: bucket arithmetic

    static func index(of value: UInt64) -> Int {
        if value < exactBelow { return Int(value) }
        let shift = (63 - value.leadingZeroBitCount) - 10  // ≥ 1: value >> shift lies in [1024, 2048)
        return Int(exactBelow) + (shift - 1) * subBuckets + Int(value >> UInt64(shift)) - subBuckets
    }

    static func lowestEquivalent(ofIndex index: Int) -> UInt64 {
        if index < Int(exactBelow) { return UInt64(index) }
        let shift = (index - Int(exactBelow)) / subBuckets + 1
        let sub = (index - Int(exactBelow)) % subBuckets + subBuckets
        return UInt64(sub) << UInt64(shift)
    }

    static func highestEquivalent(ofIndex index: Int) -> UInt64 {
        if index < Int(exactBelow) { return UInt64(index) }
        let shift = (index - Int(exactBelow)) / subBuckets + 1
        return lowestEquivalent(ofIndex: index) + (UInt64(1) << UInt64(shift)) - 1
    }
}
