/// Percentiles of a sample of durations in milliseconds (exact: the sample is sorted once).
struct Percentiles: Sendable {
    let sorted: [Double]

    init(_ samples: [Double]) { sorted = samples.sorted() }

    func value(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
