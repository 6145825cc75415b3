/// What changed for one key between two runs of the same day and channel.
public struct ReconChange: Sendable, Hashable, Codable {
    public var key: ReconKey
    /// The classification in the earlier run (nil: the key was not there).
    public var before: ReconClassification?
    /// The classification in the new run (nil: the key is gone).
    public var after: ReconClassification?
    public var beforeAmounts: String?
    public var afterAmounts: String?

    public init(key: ReconKey, before: ReconClassification?, after: ReconClassification?, beforeAmounts: String?, afterAmounts: String?) {
        self.key = key
        self.before = before
        self.after = after
        self.beforeAmounts = beforeAmounts
        self.afterAmounts = afterAmounts
    }
}

/// The difference between a run and the previous run of the same day and channel (pure).
///
/// Guarantees: one change per key whose presence, classification or amounts differ, sorted by key; two runs
/// with the same items give no change.
public enum ReconRunDiff {
    public static func between(previous: [ReconItem], current: [ReconItem]) -> [ReconChange] {
        let before = Dictionary(previous.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(current.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [ReconChange] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            let old = before[key], new = after[key]
            let oldAmounts = old.map(amounts), newAmounts = new.map(amounts)
            guard old?.classification != new?.classification || oldAmounts != newAmounts else { continue }
            changes.append(
                ReconChange(
                    key: key, before: old?.classification, after: new?.classification, beforeAmounts: oldAmounts,
                    afterAmounts: newAmounts))
        }
        return changes
    }

    /// "platform 100 fen, channel 99 fen" (a missing side is "-").
    static func amounts(_ item: ReconItem) -> String {
        "platform \(item.platform.map { "\($0.amountFen)" } ?? "-") fen, channel \(item.bill.map { "\($0.amountFen)" } ?? "-") fen"
    }
}
